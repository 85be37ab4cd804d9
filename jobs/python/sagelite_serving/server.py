"""The HTTP side of a serving container, and the process lifecycle.

Routes (container-contracts.md §2.1, §3):
    GET  /ping                   200, empty body, once the model is loaded;
                                 503 while it loads
    POST /invocations            the handler chain (transformer.py); 503
                                 while the model loads
    GET  /execution-parameters   {"MaxConcurrentTransforms": <workers>,
                                  "BatchStrategy": "MULTI_RECORD",
                                  "MaxPayloadInMB": 6}
Anything else is 404, a known path with the wrong method 405.

The server listens on 127.0.0.1:$SAGEMAKER_BIND_TO_PORT only (the daemon
is the one client).  It speaks HTTP/1.1 with keep-alive, so the daemon can
pool connections; every response carries Content-Length.  Request bodies
may be Content-Length or chunked, up to ServingEnv.max_body (100 MB, batch
transform's largest MaxPayloadInMB); larger ones get 413 and the
connection is closed.  A thread serves each connection; at most
SAGEMAKER_MODEL_SERVER_WORKERS invocations run the model at once, the rest
wait.  One access-log line per request goes to stdout, as the model servers
print them; tracebacks go to stderr.

Lifecycle: bind (so /ping answers 503 at once), import the user module,
load the model, then answer /ping 200.  If the import or model_fn raises,
the traceback is written to stderr and the process exits 1 — its last line
is the error the daemon reports.  SIGTERM or SIGINT exits 0."""
from __future__ import annotations

import json
import os
import signal
import socket
import socketserver
import sys
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NoReturn, Optional

from . import frameworks, usermodule
from .config import ServingEnv
from .transformer import Transformer

BIND_HOST = "127.0.0.1"
# Batch transform's defaults when the job names none (contract §3).
BATCH_STRATEGY = "MULTI_RECORD"
MAX_PAYLOAD_IN_MB = 6

_stdout_lock = threading.Lock()


def log(line: str) -> None:
    """One line to stdout, whole, whatever the thread."""
    with _stdout_lock:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


class App:
    """State shared by the request threads."""

    def __init__(self, env: ServingEnv) -> None:
        self.env = env
        self.transformer: Optional[Transformer] = None  # set once loaded
        self.ready = threading.Event()
        self.slots = threading.BoundedSemaphore(env.workers)

    def execution_parameters(self) -> bytes:
        return json.dumps({"MaxConcurrentTransforms": self.env.workers,
                           "BatchStrategy": BATCH_STRATEGY,
                           "MaxPayloadInMB": MAX_PAYLOAD_IN_MB}).encode()


class _BadRequest(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class Handler(BaseHTTPRequestHandler):
    """One connection; requests on it handled in turn (keep-alive)."""

    protocol_version = "HTTP/1.1"
    server_version = "sagelite-serving"
    sys_version = ""
    app: App  # set by make_server on a subclass

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes: without this, Nagle
        # plus the client's delayed ACK add ~40 ms to each keep-alive reply.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    # --- routes -------------------------------------------------------------

    def do_GET(self) -> None:
        self._started = time.monotonic()
        if self._read_body() is None:
            return
        path = self.path.split("?", 1)[0]
        if path == "/ping":
            self._send(200 if self.app.ready.is_set() else 503)
        elif path == "/execution-parameters":
            self._send(200, self.app.execution_parameters(), "application/json")
        elif path == "/invocations":
            self._send(405, b"Method Not Allowed\n", "text/plain")
        else:
            self._send(404, b"Not Found\n", "text/plain")

    def do_POST(self) -> None:
        self._started = time.monotonic()
        body = self._read_body()
        if body is None:
            return
        path = self.path.split("?", 1)[0]
        if path != "/invocations":
            known = path in ("/ping", "/execution-parameters")
            self._send(405 if known else 404,
                       b"Method Not Allowed\n" if known else b"Not Found\n", "text/plain")
            return
        transformer = self.app.transformer
        if transformer is None or not self.app.ready.is_set():
            self._send(503, b"The model is still loading.\n", "text/plain")
            return
        content_type = self.headers.get("Content-Type") or self.headers.get("ContentType")
        with self.app.slots:
            response = transformer.invoke(body, content_type, self.headers.get("Accept"),
                                          dict(self.headers.items()))
        self._send(response.status, response.body, response.content_type)

    # --- bodies -------------------------------------------------------------

    def _read_body(self) -> Optional[bytes]:
        """The request body (b"" when there is none), or None after an error
        answer has been sent and the connection marked for closing."""
        try:
            if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
                return self._read_chunked()
            raw = self.headers.get("Content-Length")
            if raw is None:
                return b""
            try:
                length = int(raw)
            except ValueError:
                raise _BadRequest(400, f"Bad Content-Length {raw!r}") from None
            if length < 0:
                raise _BadRequest(400, f"Bad Content-Length {raw!r}")
            if length > self.app.env.max_body:
                raise _BadRequest(413, f"Request body of {length} bytes exceeds "
                                       f"the {self.app.env.max_body} byte limit")
            return self._read_exactly(length)
        except _BadRequest as e:
            self.close_connection = True
            self._send(e.status, (str(e) + "\n").encode(), "text/plain")
            return None
        except ConnectionError:
            self.close_connection = True
            return None

    def _read_exactly(self, n: int) -> bytes:
        data = self.rfile.read(n)
        if len(data) != n:
            raise ConnectionError("client closed the connection mid-body")
        return data

    def _read_chunked(self) -> bytes:
        parts: list[bytes] = []
        total = 0
        while True:
            line = self.rfile.readline(1024)
            if not line.endswith(b"\n"):
                raise _BadRequest(400, "Bad chunk header")
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise _BadRequest(400, "Bad chunk size") from None
            if size == 0:
                while self.rfile.readline(8192) not in (b"\r\n", b"\n", b""):
                    pass  # trailers, ignored
                return b"".join(parts)
            total += size
            if total > self.app.env.max_body:
                raise _BadRequest(413, "Request body exceeds the "
                                       f"{self.app.env.max_body} byte limit")
            parts.append(self._read_exactly(size))
            self.rfile.readline(8)  # the chunk's CRLF

    # --- answers and logs ---------------------------------------------------

    def _send(self, status: int, body: bytes = b"",
              content_type: Optional[str] = None) -> None:
        self.send_response(status)
        if content_type is not None:
            self.send_header("Content-Type",
                             content_type.replace("\r", " ").replace("\n", " "))
        self.send_header("Content-Length", str(len(body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(body)
        elapsed = time.monotonic() - getattr(self, "_started", time.monotonic())
        stamp = time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime())
        log(f'{self.client_address[0]} - - [{stamp}] "{self.requestline}" '
            f"{status} {len(body)} {elapsed:.3f}")

    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        pass  # _send writes the access line, with the body size

    def log_message(self, format: str, *args: Any) -> None:
        # Protocol errors the base class answers itself (send_error).
        with _stdout_lock:
            sys.stderr.write(f"sagelite-serving: {self.client_address[0]}: "
                             f"{format % args}\n")
            sys.stderr.flush()


class Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 128

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host name (socket.getfqdn),
        # which can stall where DNS is unreachable; nothing here needs it.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]


def make_server(app: App) -> Server:
    """Bind 127.0.0.1:env.port (0 picks a free port).  Raises OSError."""
    handler = type("BoundHandler", (Handler,), {"app": app})
    return Server((BIND_HOST, app.env.port), handler)


def _exit(status: int) -> NoReturn:
    """Flush and leave now: threads the user's code started must not keep
    a stopped or failed server alive."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError, RuntimeError):
            pass
    os._exit(status)


def _on_stop(signum: int, frame: Any) -> None:
    _exit(0)


def main() -> int:
    """Run a server until SIGTERM (exit 0) or a load failure (exit 1);
    returns 1 or 2 only when it could not start listening."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(line_buffering=True)
    try:
        env = ServingEnv.from_environ()
    except ValueError as e:
        print(f"sagelite-serving: {e}", file=sys.stderr)
        return 2
    defaults = frameworks.for_framework(env.framework)
    app = App(env)
    try:
        httpd = make_server(app)
    except OSError as e:
        print(f"sagelite-serving: cannot listen on {BIND_HOST}:{env.port}: {e}",
              file=sys.stderr)
        return 1
    signal.signal(signal.SIGTERM, _on_stop)
    signal.signal(signal.SIGINT, _on_stop)
    threading.Thread(target=httpd.serve_forever, name="http", daemon=True).start()
    log(f"sagelite-serving: listening on {BIND_HOST}:{httpd.server_address[1]} "
        f"(framework {defaults.name}, {env.workers} workers, model {env.model_dir})")

    try:
        module = usermodule.load(env)
        log(f"sagelite-serving: user module {module.__file__}" if module is not None
            else "sagelite-serving: no user module; framework default handlers")
        transformer = Transformer(env, defaults, module)
        transformer.load()
    except Exception:  # noqa: BLE001 — reported to the daemon, then exit
        with _stdout_lock:
            sys.stderr.write(traceback.format_exc())
        _exit(1)
    app.transformer = transformer
    app.ready.set()
    log("sagelite-serving: model loaded; ready")
    while True:
        time.sleep(3600)
