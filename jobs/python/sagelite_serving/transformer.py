"""The handler chain: load the model once, then turn each invocation into a
(status, content type, body) answer (container-contracts.md §2.4-§2.6).

Handlers are the user module's functions where it defines them, the
framework defaults (frameworks.py) otherwise.  transform_fn replaces
input_fn → predict_fn → output_fn and may not be combined with them.  Any
handler may take one extra trailing `context` argument, as in the inference
toolkit.

The response Content-Type is exactly what the handler said: the second
element when transform_fn / output_fn returns a (body, content_type) tuple,
else the request's Accept (after `*/*` or no Accept became the default
accept).  Nothing is appended to it — the SDK's NumpyDeserializer compares
the string.

Errors (the daemon turns any non-2xx into ModelError 424 carrying this
status and body as OriginalStatusCode / OriginalMessage):
  * style "it" (inference toolkit: PyTorch, XGBoost, generic): every
    exception is a 500 whose body is "<message>\\n<traceback>", unsupported
    formats included; an exception carrying an int `status_code` (the
    toolkit's BaseInferenceToolkitError) uses that status and `message`.
  * style "sc" (sagemaker-containers: scikit-learn): UnsupportedFormatError
    from the default input_fn → 415, from the default output_fn → 406, body
    {"error", "error-message", "stack-trace"} JSON; other exceptions → 500
    whose body is the exception as the traceback ends with it
    ("ValueError: …"; AWS's Flask answers a generic HTML page here).
The full traceback always goes to stderr."""
from __future__ import annotations

import inspect
import json
import sys
import threading
import traceback
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Callable, Mapping, Optional

from . import encoding
from .config import ServingEnv
from .encoding import UnsupportedFormatError
from .frameworks import DefaultHandlers

_stderr_lock = threading.Lock()


@dataclass
class Response:
    """One answer to POST /invocations."""

    status: int
    body: bytes = b""
    content_type: Optional[str] = None


@dataclass
class Context:
    """What a handler declaring a trailing `context` parameter receives: a
    small stand-in for the model server's context object."""

    system_properties: dict[str, Any]
    request_headers: dict[str, str] = field(default_factory=dict)

    @property
    def custom_attributes(self) -> Optional[str]:
        """The X-Amzn-SageMaker-Custom-Attributes request header, if any."""
        for k, v in self.request_headers.items():
            if k.lower() == "x-amzn-sagemaker-custom-attributes":
                return v
        return None


class _Answered(Exception):
    """Raised inside the chain to answer with a ready response (SC 415/406)."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


def _arity(func: Callable[..., Any]) -> Optional[int]:
    """Number of parameters, or None when it cannot be told or the function
    takes *args (then it is called without a context)."""
    try:
        params = inspect.signature(func).parameters.values()
    except (TypeError, ValueError):
        return None
    if any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in params):
        return None
    return len(params)


def call_handler(func: Callable[..., Any], args: tuple[Any, ...], context: Context) -> Any:
    """Call func(*args), or func(*args, context) when it takes one more
    parameter (the toolkit's _run_handler_function)."""
    n = _arity(func)
    if n is None or n == len(args):
        return func(*args)
    if n == len(args) + 1:
        return func(*args, context)
    name = getattr(func, "__name__", repr(func))
    raise TypeError(f"{name} takes {n} arguments but {len(args)} were given.")


def _to_bytes(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, bytes):
        return body
    if isinstance(body, (bytearray, memoryview)):
        return bytes(body)
    if isinstance(body, str):
        return body.encode("utf-8")
    return encoding.array_to_json(body).encode("utf-8")


def _log_traceback(trace: str) -> None:
    with _stderr_lock:
        sys.stderr.write(trace if trace.endswith("\n") else trace + "\n")
        sys.stderr.flush()


class Transformer:
    """The user's handlers over the framework defaults, and the model.
    invoke() is safe to call from several threads once load() returned."""

    def __init__(self, env: ServingEnv, defaults: DefaultHandlers,
                 module: Optional[ModuleType]) -> None:
        """Pick the handlers.  Raises ValueError when the module defines
        transform_fn together with input_fn, predict_fn or output_fn."""
        def user(name: str) -> Optional[Callable[..., Any]]:
            fn = getattr(module, name, None) if module is not None else None
            return fn if callable(fn) else None

        self.env = env
        self.style = defaults.error_style
        self._transform_fn = user("transform_fn")
        input_fn, predict_fn, output_fn = user("input_fn"), user("predict_fn"), user("output_fn")
        if self._transform_fn and (input_fn or predict_fn or output_fn):
            raise ValueError("Cannot use transform_fn implementation in conjunction "
                             "with input_fn, predict_fn, and/or output_fn implementation")
        self._model_fn = user("model_fn") or defaults.model_fn
        self._pre_model_fn = user("pre_model_fn")
        self._warmup_fn = user("model_warmup_fn")
        self._input_fn = input_fn or defaults.input_fn
        self._predict_fn = predict_fn or defaults.predict_fn
        self._output_fn = output_fn or defaults.output_fn
        self._model: Any = None

    def _context(self, headers: Optional[Mapping[str, str]] = None) -> Context:
        return Context({"model_dir": self.env.model_dir}, dict(headers or {}))

    def load(self) -> None:
        """pre_model_fn, model_fn, model_warmup_fn.  Exceptions propagate."""
        ctx, model_dir = self._context(), self.env.model_dir
        if self._pre_model_fn is not None:
            call_handler(self._pre_model_fn, (model_dir,), ctx)
        self._model = call_handler(self._model_fn, (model_dir,), ctx)
        if self._warmup_fn is not None:
            call_handler(self._warmup_fn, (model_dir, self._model), ctx)

    def invoke(self, body: bytes, content_type: Optional[str], accept: Optional[str],
               headers: Optional[Mapping[str, str]] = None) -> Response:
        """Run one request through the chain; never raises."""
        # sagemaker-containers' default when the header is missing.
        content_type = content_type or encoding.JSON
        if not accept or accept.strip() == encoding.ANY:
            accept = self.env.default_accept
        ctx = self._context(headers)
        try:
            data: Any = body
            if encoding.media_type(content_type) in encoding.UTF8_TYPES:
                data = body.decode("utf-8")
            if self._transform_fn is not None:
                result = call_handler(self._transform_fn,
                                      (self._model, data, content_type, accept), ctx)
            else:
                result = self._default_transform(data, content_type, accept, ctx)
            if isinstance(result, tuple) and len(result) == 2:
                out, returned_type = result
                return Response(200, _to_bytes(out),
                                accept if returned_type is None else str(returned_type))
            return Response(200, _to_bytes(result), accept)
        except _Answered as answered:
            return answered.response
        except Exception as e:  # noqa: BLE001 — the model's failure, reported
            return self._error(e, traceback.format_exc())

    def _default_transform(self, data: Any, content_type: str, accept: str,
                           ctx: Context) -> Any:
        try:
            decoded = call_handler(self._input_fn, (data, content_type), ctx)
        except UnsupportedFormatError as e:
            if self.style != "sc":
                raise
            raise _Answered(self._format_error(e, 415)) from e
        prediction = call_handler(self._predict_fn, (decoded, self._model), ctx)
        try:
            return call_handler(self._output_fn, (prediction, accept), ctx)
        except UnsupportedFormatError as e:
            if self.style != "sc":
                raise
            raise _Answered(self._format_error(e, 406)) from e

    def _format_error(self, e: UnsupportedFormatError, status: int) -> Response:
        """sagemaker-containers' _error_response."""
        trace = traceback.format_exc()
        _log_traceback(trace)
        body = json.dumps({"error": type(e).__name__, "error-message": str(e),
                           "stack-trace": trace})
        return Response(status, body.encode("utf-8"), encoding.JSON)

    def _error(self, e: Exception, trace: str) -> Response:
        _log_traceback(trace)
        if self.style == "sc":
            text = "".join(traceback.format_exception_only(type(e), e)).rstrip()
            return Response(500, text.encode("utf-8"), "text/plain")
        status = getattr(e, "status_code", None)
        if not (isinstance(status, int) and 400 <= status <= 599):
            status, message = 500, str(e)
        else:
            message = str(getattr(e, "message", e))
        return Response(status, f"{message}\n{trace}".encode("utf-8"), "text/plain")
