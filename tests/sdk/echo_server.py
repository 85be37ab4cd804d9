#!/usr/bin/python3
"""echo_server.py — a user-mapped serving "container" for tests: sagelite
runs it as `echo_server.py serve` for images mapped to it (--runtime-map),
the way SageMaker runs `docker run IMAGE serve`.  Standard library only.

GET /ping answers 200.  POST /invocations answers with the request body,
the request's Content-Type, and X-Amzn-SageMaker-Custom-Attributes echoed
back; a body starting with "status:NNN" is answered with that status
instead; the model directory's marker file (model/echo.txt, from the
model.tar.gz) is prepended to every body, proving the model was unpacked
into $SAGEMAKER_BASE_DIR/model."""
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        self._answer(200 if self.path == "/ping" else 404, b"", "text/plain")

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if body.startswith(b"status:"):
            self._answer(int(body[7:10]), b"refused: " + body, "text/plain")
            return
        self._answer(200, MARKER + body, self.headers.get("Content-Type") or "application/octet-stream",
                     self.headers.get("X-Amzn-SageMaker-Custom-Attributes"))

    def _answer(self, status, body, ctype, attrs=None):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        if attrs:
            self.send_header("X-Amzn-SageMaker-Custom-Attributes", "echo:" + attrs)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        print("echo-server: " + fmt % args, flush=True)


if __name__ == "__main__":
    if sys.argv[1:] != ["serve"]:
        print(f"echo-server: expected the argument 'serve', got {sys.argv[1:]}", file=sys.stderr)
        sys.exit(2)
    base = os.environ.get("SAGEMAKER_BASE_DIR", "/opt/ml")
    with open(os.path.join(base, "model", "echo.txt"), "rb") as f:
        MARKER = f.read()
    port = int(os.environ["SAGEMAKER_BIND_TO_PORT"])
    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
