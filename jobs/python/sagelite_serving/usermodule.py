"""Finding and importing the user's inference module (SAGEMAKER_PROGRAM).

The file is looked for in ServingEnv.code_dirs, in order: a local
SAGEMAKER_SUBMIT_DIRECTORY, then model/code (the PyTorch repack), then
code/ (where the daemon unpacks an s3:// sourcedir.tar.gz).  It is imported
by path under its own name, with its directory first on sys.path so that
its sibling modules (model.py, utils.py …) import too.  Nothing is
installed: sagelite runs offline, so requirements.txt is not honoured."""
from __future__ import annotations

import importlib.util
import os
import sys
from types import ModuleType
from typing import Optional

from .config import ServingEnv


def locate(env: ServingEnv) -> Optional[str]:
    """Path of the user's program, or None when SAGEMAKER_PROGRAM was not
    set and no inference.py exists (the framework defaults then serve
    alone, as the inference toolkit does).  Raises FileNotFoundError when
    SAGEMAKER_PROGRAM names a file that is in none of the code dirs."""
    for d in env.code_dirs:
        path = os.path.join(d, env.program)
        if os.path.isfile(path):
            return path
    if env.program_explicit:
        raise FileNotFoundError(
            f"SAGEMAKER_PROGRAM {env.program} was not found in "
            + ", ".join(env.code_dirs))
    return None


def load(env: ServingEnv) -> Optional[ModuleType]:
    """Import the user module (see locate); None when there is none.
    Exceptions from the module's top level propagate."""
    # The inference toolkit puts model/code on the path whatever the program.
    model_code = os.path.join(env.model_dir, "code")
    if os.path.isdir(model_code) and model_code not in sys.path:
        sys.path.insert(0, model_code)
    path = locate(env)
    if path is None:
        return None
    directory = os.path.dirname(os.path.abspath(path))
    if directory in sys.path:
        sys.path.remove(directory)
    sys.path.insert(0, directory)

    name = env.module_name
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    # Registered before running so pickles and `import <name>` inside the
    # user's own code find this very module.
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module
