"""sagelite's client shim, put on PYTHONPATH by `eval "$(sagelite env)"`.

The SageMaker Python SDK (v1.72 and v2, and v3's core) sends its STS calls —
get_execution_role(), Session.default_bucket(), Session.account_id() — to a
hard-coded https://sts.<region>.amazonaws.com, ignoring AWS_ENDPOINT_URL.
This shim makes the SDK's `sts_regional_endpoint()` answer sagelite's URL
instead, in every sagemaker module that defines or imports it, as the module
is loaded.  Nothing else is changed, and nothing happens unless
SAGELITE_ENDPOINT_URL is set.  Any sitecustomize this file shadows (Debian
ships one) still runs first.
"""
import importlib.abc
import importlib.util
import os
import sys


def _run_shadowed_sitecustomize():
    here = os.path.dirname(os.path.abspath(__file__))
    for entry in sys.path:
        directory = os.path.abspath(entry or os.curdir)
        candidate = os.path.join(directory, "sitecustomize.py")
        if directory == here or not os.path.isfile(candidate):
            continue
        with open(candidate, "rb") as f:
            code = compile(f.read(), candidate, "exec")
        exec(code, {"__name__": "sitecustomize", "__file__": candidate})
        return


def _patch(module, url):
    if callable(getattr(module, "sts_regional_endpoint", None)):
        module.sts_regional_endpoint = lambda region, _url=url: _url


class _SageliteFinder(importlib.abc.MetaPathFinder):
    """Wraps the loader of every `sagemaker` module so the patch is applied
    right after the module body ran."""

    def __init__(self, url):
        self.url = url

    def find_spec(self, name, path=None, target=None):
        if not (name == "sagemaker" or name.startswith("sagemaker.")):
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                break
        else:
            return None
        loader = spec.loader
        if loader is None or not hasattr(loader, "exec_module"):
            return spec
        url = self.url
        original = loader.exec_module

        class _Loader(importlib.abc.Loader):
            def create_module(self, spec_):
                return loader.create_module(spec_)

            def exec_module(self, module):
                original(module)
                _patch(module, url)

            def __getattr__(self, attr):  # resources, get_data, is_package …
                return getattr(loader, attr)

        spec.loader = _Loader()
        return spec


_run_shadowed_sitecustomize()
_url = os.environ.get("SAGELITE_ENDPOINT_URL")
if _url:
    sys.meta_path.insert(0, _SageliteFinder(_url))
    for _name, _module in list(sys.modules.items()):
        if _name == "sagemaker" or _name.startswith("sagemaker."):
            _patch(_module, _url)
