"""The serving environment: every variable the server reads, in one place.

The daemon starts one server per endpoint instance with the variables a
SageMaker serving container sees (container-contracts.md §2.2) plus
SAGELITE_FRAMEWORK, which names the toolkit whose defaults apply.  Nothing
else in the package reads os.environ."""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Mapping

DEFAULT_BASE_DIR = "/opt/ml"
DEFAULT_PORT = 8080
DEFAULT_ACCEPT = "application/json"
# The inference toolkit's default module when SAGEMAKER_PROGRAM is unset.
DEFAULT_PROGRAM = "inference.py"
# Batch transform allows MaxPayloadInMB up to 100; real-time invocations are
# capped at 6 MB by the daemon before they get here.
MAX_BODY_MB = 100


@dataclass(frozen=True)
class ServingEnv:
    """What one server process was told.  Build it with from_environ()."""

    base_dir: str            # SAGEMAKER_BASE_DIR, the /opt/ml-shaped dir
    model_dir: str           # base_dir/model: the extracted model.tar.gz
    program: str             # SAGEMAKER_PROGRAM, e.g. "predict.py"
    program_explicit: bool   # False when program is the inference.py default
    code_dirs: tuple[str, ...]  # where to look for program, in order
    port: int                # SAGEMAKER_BIND_TO_PORT
    workers: int             # SAGEMAKER_MODEL_SERVER_WORKERS: concurrent inferences
    default_accept: str      # SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT
    framework: str           # SAGELITE_FRAMEWORK: pytorch, sklearn, xgboost, ...
    max_body: int            # largest request body accepted, in bytes

    @property
    def module_name(self) -> str:
        """The user module's import name: the program's base name less .py."""
        name = os.path.basename(self.program)
        return name[:-3] if name.endswith(".py") else name

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] = os.environ) -> "ServingEnv":
        """Read the environment.  Raises ValueError naming the variable when
        a number does not parse or is out of range."""
        base_dir = environ.get("SAGEMAKER_BASE_DIR") or DEFAULT_BASE_DIR
        model_dir = os.path.join(base_dir, "model")
        program = environ.get("SAGEMAKER_PROGRAM") or ""
        explicit = bool(program)
        if not explicit:
            program = DEFAULT_PROGRAM

        # SAGEMAKER_SUBMIT_DIRECTORY is /opt/ml/model/code after the PyTorch
        # repack, file:///dir in SDK local mode, or s3://…/sourcedir.tar.gz,
        # which the daemon has already unpacked into base_dir/code.
        dirs: list[str] = []
        submit = environ.get("SAGEMAKER_SUBMIT_DIRECTORY") or ""
        if submit.startswith("file://"):
            submit = submit[len("file://"):]
        if submit and "://" not in submit:
            dirs.append(submit)
        dirs += [os.path.join(model_dir, "code"), os.path.join(base_dir, "code")]
        code_dirs = tuple(dict.fromkeys(os.path.normpath(d) for d in dirs))

        port = _int(environ, "SAGEMAKER_BIND_TO_PORT", DEFAULT_PORT, 0, 65535)
        workers = _int(environ, "SAGEMAKER_MODEL_SERVER_WORKERS",
                       os.cpu_count() or 1, 1, 1024)
        payload_mb = _int(environ, "SAGEMAKER_MAX_PAYLOAD_IN_MB", 0, 0, 1 << 20)
        accept = environ.get("SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT") or DEFAULT_ACCEPT
        framework = (environ.get("SAGELITE_FRAMEWORK") or "").strip().lower()
        return cls(base_dir=base_dir, model_dir=model_dir, program=program,
                   program_explicit=explicit, code_dirs=code_dirs, port=port,
                   workers=workers, default_accept=accept, framework=framework,
                   max_body=max(MAX_BODY_MB, payload_mb) * 1024 * 1024)


def _int(environ: Mapping[str, str], name: str, default: int, lo: int, hi: int) -> int:
    """environ[name] as an int in [lo, hi], default when unset or empty."""
    raw = (environ.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name}={raw!r} is not an integer") from None
    if not lo <= value <= hi:
        raise ValueError(f"{name}={value} is outside {lo}..{hi}")
    return value
