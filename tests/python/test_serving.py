"""Black-box tests of the framework inference server (jobs/python/
sagelite_serving): each test starts `python3 -m sagelite_serving serve` as
the daemon would — a temp /opt/ml-shaped dir in SAGEMAKER_BASE_DIR, a free
port in SAGEMAKER_BIND_TO_PORT — and talks HTTP to it.

Run with Debian's interpreter, which has numpy, torch, scikit-learn and
xgboost:  /usr/bin/python3 -m pytest tests/python
(the project's .venv lacks numpy; under it this module is skipped)."""
from __future__ import annotations

import http.client
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Iterator, Optional

import pytest

np = pytest.importorskip("numpy")

ROOT = Path(__file__).resolve().parents[2]
PYTHONPATH = ROOT / "jobs" / "python"
FIXTURES = ROOT / "fixtures"
NPY = "application/x-npy"


# --- harness ----------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One serving process over base_dir (an /opt/ml-shaped directory)."""

    def __init__(self, base_dir: Path, framework: str, **env: str) -> None:
        self.base_dir = base_dir
        self.port = free_port()
        self.stdout_path = base_dir / "stdout.log"
        self.stderr_path = base_dir / "stderr.log"
        self.model: object = None  # what the test deployed, to compare with
        environ = {k: v for k, v in os.environ.items()
                   if not k.startswith(("SAGEMAKER_", "SAGELITE_"))}
        environ.update({
            "PYTHONPATH": str(PYTHONPATH),
            "SAGEMAKER_BASE_DIR": str(base_dir),
            "SAGEMAKER_BIND_TO_PORT": str(self.port),
            "SAGELITE_FRAMEWORK": framework,
            "SAGEMAKER_MODEL_SERVER_WORKERS": "2",
            "OMP_NUM_THREADS": "1",
        })
        environ.update(env)
        with open(self.stdout_path, "wb") as out, open(self.stderr_path, "wb") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "sagelite_serving", "serve"],
                env=environ, cwd=base_dir, stdout=out, stderr=err)

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")

    def stdout(self) -> str:
        return self.stdout_path.read_text(errors="replace")

    def request(self, method: str, path: str, body: Optional[bytes] = None,
                headers: Optional[dict[str, str]] = None,
                timeout: float = 60) -> tuple[int, http.client.HTTPMessage, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            return resp.status, resp.headers, resp.read()
        finally:
            conn.close()

    def invoke(self, body: bytes | str, content_type: str,
               accept: Optional[str] = None) -> tuple[int, Optional[str], bytes]:
        headers = {"Content-Type": content_type}
        if accept is not None:
            headers["Accept"] = accept
        data = body.encode() if isinstance(body, str) else body
        status, h, payload = self.request("POST", "/invocations", data, headers)
        return status, h.get("Content-Type"), payload

    def ping(self) -> Optional[int]:
        """The /ping status, or None when nothing listens yet."""
        try:
            return self.request("GET", "/ping", timeout=2)[0]
        except OSError:
            return None

    def wait_ready(self, timeout: float = 120) -> "Server":
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"server exited {self.proc.returncode}:\n{self.stderr()}")
            if self.ping() == 200:
                return self
            time.sleep(0.05)
        pytest.fail(f"server not ready in {timeout} s:\n{self.stderr()}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def make_base(root: Path) -> Path:
    """An empty /opt/ml-shaped directory."""
    for d in ("model", "code"):
        (root / d).mkdir(parents=True, exist_ok=True)
    return root


def write_module(directory: Path, name: str, source: str) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_text(textwrap.dedent(source))


@pytest.fixture
def served() -> Iterator[list[Server]]:
    """Servers a test starts; stopped after it."""
    servers: list[Server] = []
    yield servers
    for s in servers:
        s.stop()


# --- scikit-learn: the iris fixture's train.py as deployed by SKLearn ---------

def iris() -> tuple:
    data = np.loadtxt(FIXTURES / "iris" / "train.csv", delimiter=",")
    return data[:, 1:], data[:, 0].astype(int)


@pytest.fixture(scope="module")
def sklearn_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """SKLearn(...).deploy(): model.tar.gz holds model.joblib; the code is
    sourcedir.tar.gz on S3, which the daemon unpacks into code/."""
    joblib = pytest.importorskip("joblib")
    tree = pytest.importorskip("sklearn.tree")
    base = make_base(tmp_path_factory.mktemp("sklearn"))
    x, y = iris()
    model = tree.DecisionTreeClassifier(random_state=0).fit(x, y)
    joblib.dump(model, base / "model" / "model.joblib")
    shutil.copy(FIXTURES / "iris" / "source" / "train.py", base / "code" / "train.py")
    server = Server(base, "sklearn", SAGEMAKER_PROGRAM="train.py",
                    SAGEMAKER_SUBMIT_DIRECTORY="s3://bucket/job/source/sourcedir.tar.gz")
    server.model = model
    try:
        yield server.wait_ready()
    finally:
        server.stop()


def iris_expected(server: Server) -> tuple:
    """Every tenth iris row and the deployed model's predictions for them."""
    x, _ = iris()
    rows = x[::10]
    return rows, server.model.predict(rows.astype(np.float32))


def test_sklearn_npy(sklearn_server: Server) -> None:
    rows, expected = iris_expected(sklearn_server)
    buf = io.BytesIO()
    np.save(buf, rows)
    status, ctype, body = sklearn_server.invoke(buf.getvalue(), NPY, NPY)
    assert status == 200, body
    assert ctype == NPY
    assert np.load(io.BytesIO(body)).tolist() == expected.tolist()


def test_sklearn_csv(sklearn_server: Server) -> None:
    rows, expected = iris_expected(sklearn_server)
    csv_body = "\n".join(",".join(str(v) for v in r) for r in rows)
    status, ctype, body = sklearn_server.invoke(csv_body, "text/csv", "text/csv")
    assert status == 200, body
    assert ctype == "text/csv"
    # sagemaker-containers' CSV: a 1-D prediction is one value per line.
    assert body.decode() == "".join(f"{v}\n" for v in expected)


def test_sklearn_json_and_default_accept(sklearn_server: Server) -> None:
    rows, expected = iris_expected(sklearn_server)
    for accept in (None, "*/*", "application/json"):
        status, ctype, body = sklearn_server.invoke(json.dumps(rows.tolist()),
                                                    "application/json", accept)
        assert status == 200, body
        assert ctype == "application/json"
        assert json.loads(body) == expected.tolist()


def test_sklearn_accept_list_picks_first_supported(sklearn_server: Server) -> None:
    rows, expected = iris_expected(sklearn_server)
    status, ctype, body = sklearn_server.invoke(
        json.dumps(rows.tolist()), "application/json", "text/html, text/csv;q=0.9")
    assert status == 200, body
    assert ctype == "text/csv"
    assert body.decode().split() == [str(v) for v in expected]


def test_sklearn_unsupported_content_type_is_415(sklearn_server: Server) -> None:
    status, ctype, body = sklearn_server.invoke("hello", "text/plain", "application/json")
    assert status == 415
    assert ctype == "application/json"
    err = json.loads(body)
    assert err["error"] == "UnsupportedFormatError"
    assert err["error-message"].startswith(
        "Content type text/plain is not supported by this framework.")


def test_sklearn_unsupported_accept_is_406(sklearn_server: Server) -> None:
    status, _, body = sklearn_server.invoke("[[5.1, 3.5, 1.4, 0.2]]",
                                            "application/json", "text/html")
    assert status == 406
    assert json.loads(body)["error-message"].startswith("Content type text/html ")


def test_sklearn_model_error_is_500_and_server_stays_up(sklearn_server: Server) -> None:
    # As on AWS: one CSV row squeezes to 1-D and DecisionTree.predict raises.
    status, ctype, body = sklearn_server.invoke("5.1,3.5,1.4,0.2", "text/csv", "text/csv")
    assert status == 500
    assert ctype == "text/plain"
    assert body.decode().startswith("ValueError: Expected 2D array, got 1D array")
    assert "Traceback" in sklearn_server.stderr()
    assert sklearn_server.ping() == 200
    assert sklearn_server.invoke("5.1,3.5,1.4,0.2\n6.0,2.2,4.0,1.0", "text/csv")[0] == 200


def test_execution_parameters(sklearn_server: Server) -> None:
    status, headers, body = sklearn_server.request("GET", "/execution-parameters")
    assert status == 200
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body) == {"MaxConcurrentTransforms": 2,
                                "BatchStrategy": "MULTI_RECORD", "MaxPayloadInMB": 6}


def test_routes_and_methods(sklearn_server: Server) -> None:
    assert sklearn_server.request("GET", "/nope")[0] == 404
    assert sklearn_server.request("GET", "/invocations")[0] == 405
    assert sklearn_server.request("POST", "/ping", b"x")[0] == 405
    status, _, body = sklearn_server.request("GET", "/ping")
    assert (status, body) == (200, b"")


def test_access_log_line_per_request(sklearn_server: Server) -> None:
    sklearn_server.request("GET", "/execution-parameters?probe=1")
    time.sleep(0.1)
    assert '"GET /execution-parameters?probe=1 HTTP/1.1" 200' in sklearn_server.stdout()


def test_large_csv_payload(sklearn_server: Server) -> None:
    x, _ = iris()
    line = "\n".join(",".join(f"{v:.1f}" for v in r) for r in x) + "\n"
    repeat = 20 * 1024 * 1024 // len(line) + 1
    payload = (line * repeat).encode()
    assert len(payload) >= 20 * 1024 * 1024
    status, ctype, body = sklearn_server.invoke(payload, "text/csv", "text/csv")
    assert status == 200, body[:500]
    assert ctype == "text/csv"
    lines = body.split(b"\n")
    assert len(lines) == len(x) * repeat + 1 and lines[-1] == b""


def test_body_over_limit_is_413(sklearn_server: Server) -> None:
    with socket.create_connection(("127.0.0.1", sklearn_server.port), timeout=10) as s:
        s.sendall(b"POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\n"
                  b"Content-Length: 209715200\r\n\r\n")
        reply = s.recv(4096)
    assert reply.startswith(b"HTTP/1.1 413 ")
    assert b"Connection: close" in reply


def test_chunked_request(sklearn_server: Server) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", sklearn_server.port, timeout=30)
    try:
        parts = [b"5.1,3.5,1.4,0.2\n", b"6.0,2.2,", b"4.0,1.0\n"]
        conn.request("POST", "/invocations", body=iter(parts),
                     headers={"Content-Type": "text/csv", "Accept": "application/json"},
                     encode_chunked=True)
        resp = conn.getresponse()
        assert resp.status == 200
        assert len(json.loads(resp.read())) == 2
    finally:
        conn.close()


def test_keep_alive(sklearn_server: Server) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", sklearn_server.port, timeout=30)
    try:
        conn.request("POST", "/invocations", body=b"[[5.1,3.5,1.4,0.2],[6.0,2.2,4.0,1.0]]",
                     headers={"Content-Type": "application/json"})
        first = conn.getresponse()
        assert first.status == 200 and first.getheader("Connection") != "close"
        first.read()
        sock = conn.sock
        assert sock is not None
        conn.request("GET", "/ping")
        second = conn.getresponse()
        assert second.status == 200
        second.read()
        assert conn.sock is sock  # the same TCP connection served both
    finally:
        conn.close()


# --- handlers: transform_fn, errors, context -----------------------------------

ECHO_MODULE = """
    import json

    def model_fn(model_dir):
        return {"dir": model_dir}

    def transform_fn(model, body, content_type, accept, context):
        if body == b"boom":
            raise ValueError("boom")
        reply = {"type": type(body).__name__, "len": len(body),
                 "content_type": content_type, "accept": accept,
                 "model": model["dir"], "attrs": context.custom_attributes}
        if accept == "application/x-plain-accept":
            return json.dumps(reply)
        return json.dumps(reply), "application/vnd.sagelite+json"
"""


@pytest.fixture(scope="module")
def echo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    base = make_base(tmp_path_factory.mktemp("echo"))
    write_module(base / "model" / "code", "inference.py", ECHO_MODULE)
    server = Server(base, "sklearn")  # no SAGEMAKER_PROGRAM: inference.py
    try:
        yield server.wait_ready()
    finally:
        server.stop()


def test_transform_fn_only(echo_server: Server) -> None:
    status, ctype, body = echo_server.invoke("a,b\n", "text/csv", "*/*")
    assert status == 200
    assert ctype == "application/vnd.sagelite+json"
    reply = json.loads(body)
    assert reply == {"type": "str", "len": 4, "content_type": "text/csv",
                     "accept": "application/json",
                     "model": str(echo_server.base_dir / "model"), "attrs": None}

    status, _, body = echo_server.request(
        "POST", "/invocations", b"\x00\x01",
        {"Content-Type": "application/octet-stream", "Accept": "image/png",
         "X-Amzn-SageMaker-Custom-Attributes": "k=v"})
    reply = json.loads(body)
    assert (reply["type"], reply["len"], reply["accept"], reply["attrs"]) == (
        "bytes", 2, "image/png", "k=v")


def test_content_type_is_exactly_accept_when_handler_returns_body(echo_server: Server) -> None:
    status, ctype, _ = echo_server.invoke("{}", "application/json",
                                          "application/x-plain-accept")
    assert (status, ctype) == (200, "application/x-plain-accept")


def test_handler_exception_is_500(echo_server: Server) -> None:
    status, ctype, body = echo_server.invoke(b"boom", "application/octet-stream")
    assert status == 500
    assert body == b"ValueError: boom"
    err = echo_server.stderr()
    assert "Traceback (most recent call last)" in err and "ValueError: boom" in err
    assert echo_server.invoke(b"ok", "application/octet-stream")[0] == 200


# --- PyTorch -----------------------------------------------------------------

@pytest.fixture(scope="module")
def torch_mod():
    return pytest.importorskip("torch")


def test_pytorch_moon_npy(torch_mod, tmp_path: Path, served: list[Server]) -> None:
    """PyTorchModel(entry_point='predict.py', source_dir=…): the repack puts
    the code in model/code and SAGEMAKER_SUBMIT_DIRECTORY says so."""
    torch = torch_mod
    base = make_base(tmp_path)
    code = base / "model" / "code"
    code.mkdir()
    for f in ("predict.py", "model.py"):
        shutil.copy(FIXTURES / "moon" / "source" / f, code / f)
    sys.path.insert(0, str(code))
    try:
        from model import SimpleNet
    finally:
        sys.path.remove(str(code))
        sys.modules.pop("model", None)
    torch.manual_seed(0)
    net = SimpleNet(2, 20, 1)
    torch.save({"input_dim": 2, "hidden_dim": 20, "output_dim": 1},
               base / "model" / "model_info.pth")
    torch.save(net.state_dict(), base / "model" / "model.pth")

    server = Server(base, "pytorch", SAGEMAKER_PROGRAM="predict.py",
                    SAGEMAKER_SUBMIT_DIRECTORY=str(code))
    served.append(server)
    server.wait_ready()

    points = np.loadtxt(FIXTURES / "moon" / "test.csv", delimiter=",")[:, 1:]
    buf = io.BytesIO()
    np.save(buf, points)
    status, ctype, body = server.invoke(buf.getvalue(), NPY, NPY)
    assert status == 200, body
    assert ctype == NPY  # exactly: the SDK's NumpyDeserializer compares it
    got = np.load(io.BytesIO(body))
    net.eval()
    with torch.no_grad():
        want = net(torch.from_numpy(points.astype("float32"))).numpy().round()
    assert got.shape == (len(points), 1)
    assert got.tolist() == want.tolist()

    # predict.py's own input_fn raises for JSON: a 500 (inference toolkit).
    status, _, body = server.invoke("[[0.1, 0.2]]", "application/json", NPY)
    assert status == 500
    assert body.startswith(b"Requested unsupported ContentType in content_type: "
                           b"application/json\nTraceback")


@pytest.fixture(scope="module")
def torchscript_server(torch_mod, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A TorchScript model.pt and no user code: the toolkit's defaults."""
    torch = torch_mod
    base = make_base(tmp_path_factory.mktemp("torchscript"))
    lin = torch.nn.Linear(2, 1)
    with torch.no_grad():
        lin.weight.copy_(torch.tensor([[1.0, 2.0]]))
        lin.bias.fill_(0.5)
    torch.jit.script(lin).save(str(base / "model" / "model.pt"))
    server = Server(base, "pytorch")
    try:
        yield server.wait_ready()
    finally:
        server.stop()


def test_pytorch_default_json(torchscript_server: Server) -> None:
    status, ctype, body = torchscript_server.invoke("[[1, 2], [3, 4]]", "application/json")
    assert status == 200, body
    assert ctype == "application/json"
    assert json.loads(body) == [[5.5], [11.5]]


def test_pytorch_default_csv_and_npy(torchscript_server: Server) -> None:
    status, ctype, body = torchscript_server.invoke("1,2\n3,4\n", "text/csv", "text/csv")
    assert (status, ctype) == (200, "text/csv")
    assert body == b"5.5\n11.5\n"  # np.savetxt(fmt="%s") of [[5.5], [11.5]]
    buf = io.BytesIO()
    np.save(buf, np.array([[1, 2]], dtype=np.float32))
    status, ctype, body = torchscript_server.invoke(buf.getvalue(), NPY, NPY)
    assert (status, ctype) == (200, NPY)
    assert np.load(io.BytesIO(body)).tolist() == [[5.5]]


def test_pytorch_unsupported_content_type_is_500(torchscript_server: Server) -> None:
    # The inference toolkit turns UnsupportedFormatError into a 500.
    status, _, body = torchscript_server.invoke("hi", "text/plain")
    assert status == 500
    assert body.startswith(b"Content type text/plain is not supported by this framework.")
    assert b"Traceback" in body
    assert torchscript_server.invoke("[[0, 0]]", "application/json")[0] == 200


# --- XGBoost (script mode) -----------------------------------------------------

def test_xgboost_default_model_fn(tmp_path: Path, served: list[Server]) -> None:
    xgb = pytest.importorskip("xgboost")
    base = make_base(tmp_path)
    x, y = iris()
    booster = xgb.train({"objective": "multi:softmax", "num_class": 3},
                        xgb.DMatrix(x, label=y), num_boost_round=5)
    booster.save_model(str(base / "model" / "model.json"))
    server = Server(base, "xgboost")
    served.append(server)
    server.wait_ready()
    rows = x[::25]
    csv_body = "\n".join(",".join(str(v) for v in r) for r in rows)
    status, ctype, body = server.invoke(csv_body, "text/csv", "application/json")
    assert (status, ctype) == (200, "application/json"), body
    assert json.loads(body) == booster.predict(xgb.DMatrix(rows)).tolist()
    assert server.invoke("[[1,2,3,4]]", "application/json")[0] == 500


# --- lifecycle -----------------------------------------------------------------

def test_ping_not_200_until_model_loaded(tmp_path: Path, served: list[Server]) -> None:
    base = make_base(tmp_path)
    write_module(base / "code", "slow.py", """
        import time
        def model_fn(model_dir):
            time.sleep(1)
            return "model"
        def transform_fn(model, body, content_type, accept):
            return model
    """)
    server = Server(base, "sklearn", SAGEMAKER_PROGRAM="slow.py")
    served.append(server)
    started = time.monotonic()
    seen: list[Optional[int]] = []
    while time.monotonic() - started < 60:
        status = server.ping()
        if not seen or seen[-1] != status:
            seen.append(status)
        if status == 200:
            break
        if status == 503:
            assert server.invoke(b"x", "text/plain")[0] == 503
        time.sleep(0.02)
    assert seen[-1] == 200
    assert 503 in seen, seen  # listening, but not ready while model_fn runs
    assert time.monotonic() - started >= 1.0
    assert server.invoke(b"x", "application/octet-stream")[2] == b"model"


def test_model_fn_failure_exits_nonzero(tmp_path: Path) -> None:
    base = make_base(tmp_path)
    write_module(base / "model" / "code", "inference.py", """
        def model_fn(model_dir):
            raise RuntimeError("cannot load the weights")
    """)
    server = Server(base, "pytorch",
                    SAGEMAKER_SUBMIT_DIRECTORY=str(base / "model" / "code"),
                    SAGEMAKER_PROGRAM="inference.py")
    assert server.proc.wait(60) != 0
    err = server.stderr()
    assert "Traceback (most recent call last)" in err
    assert err.rstrip().splitlines()[-1] == "RuntimeError: cannot load the weights"


def test_missing_program_exits_nonzero(tmp_path: Path) -> None:
    server = Server(make_base(tmp_path), "sklearn", SAGEMAKER_PROGRAM="nope.py")
    assert server.proc.wait(60) != 0
    assert "SAGEMAKER_PROGRAM nope.py was not found in" in server.stderr()


def test_transform_fn_with_input_fn_exits_nonzero(tmp_path: Path) -> None:
    base = make_base(tmp_path)
    write_module(base / "code", "both.py", """
        def model_fn(model_dir): return 1
        def input_fn(body, content_type): return body
        def transform_fn(model, body, content_type, accept): return body
    """)
    server = Server(base, "sklearn", SAGEMAKER_PROGRAM="both.py")
    assert server.proc.wait(60) != 0
    assert "Cannot use transform_fn implementation in conjunction" in server.stderr()


def test_sigterm_exits_zero(tmp_path: Path) -> None:
    base = make_base(tmp_path)
    write_module(base / "code", "inference.py", "def model_fn(d): return 1\n")
    server = Server(base, "sklearn").wait_ready()
    server.proc.terminate()
    assert server.proc.wait(10) == 0


# --- configuration ---------------------------------------------------------------

def test_config_from_environ() -> None:
    sys.path.insert(0, str(PYTHONPATH))
    try:
        from sagelite_serving.config import ServingEnv
    finally:
        sys.path.remove(str(PYTHONPATH))
    env = ServingEnv.from_environ({
        "SAGEMAKER_BASE_DIR": "/j/ml", "SAGEMAKER_PROGRAM": "predict.py",
        "SAGEMAKER_SUBMIT_DIRECTORY": "file:///src/dir", "SAGEMAKER_BIND_TO_PORT": "9001",
        "SAGEMAKER_MODEL_SERVER_WORKERS": "3", "SAGELITE_FRAMEWORK": "PyTorch"})
    assert (env.model_dir, env.module_name, env.port, env.workers, env.framework) == (
        "/j/ml/model", "predict", 9001, 3, "pytorch")
    assert env.code_dirs == ("/src/dir", "/j/ml/model/code", "/j/ml/code")
    assert env.default_accept == "application/json"
    assert env.max_body == 100 * 1024 * 1024
    env = ServingEnv.from_environ({"SAGEMAKER_SUBMIT_DIRECTORY": "s3://b/k/sourcedir.tar.gz"})
    assert env.code_dirs == ("/opt/ml/model/code", "/opt/ml/code")
    assert (env.program, env.program_explicit, env.port) == ("inference.py", False, 8080)
    with pytest.raises(ValueError, match="SAGEMAKER_BIND_TO_PORT"):
        ServingEnv.from_environ({"SAGEMAKER_BIND_TO_PORT": "http"})


def test_bad_environment_exits_2(tmp_path: Path) -> None:
    server = Server(make_base(tmp_path), "sklearn", SAGEMAKER_MODEL_SERVER_WORKERS="0")
    assert server.proc.wait(30) == 2
    assert "SAGEMAKER_MODEL_SERVER_WORKERS=0 is outside" in server.stderr()
