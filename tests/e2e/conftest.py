"""Fixtures for the end-to-end course suite (tests/e2e): real `sagelite
serve` daemons with the host executor, and the course notebooks executed
against them by scripts/run-notebook.py in each SDK version's venv.

One daemon per isolation mode (auto: bubblewrap when it works; none: plain
host processes).  Every notebook run starts as soon as the session asks for
the first result, E2E_JOBS (default 8) at a time: the runs spend most of
their time in the SDK's polling sleeps, so they overlap well even on two
cores.  Each test then waits for its own run.

The binary is $SAGELITE_BIN (default <repo>/sagelite)."""
import concurrent.futures
import json
import os
import re
import select
import signal
import subprocess
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SAGELITE_BIN = os.environ.get("SAGELITE_BIN") or str(REPO / "sagelite")
RUNNER = REPO / "scripts" / "run-notebook.py"
VENVS = {"v1": REPO / ".venv-sdk1", "v2": REPO / ".venv-sdk2", "v3": REPO / ".venv-sdk3"}
ISOLATIONS = ("auto", "none")
RUN_TIMEOUT_S = int(os.environ.get("E2E_RUN_TIMEOUT", "900"))
JOBS = int(os.environ.get("E2E_JOBS", "8"))

# id: (venv, notebook under fixtures/) — the SDK matrix of issue 8.
FLOWS = {
    "v1-moon": ("v1", "moon/moon-sdk-v1.ipynb"),
    "v1-boston": ("v1", "boston/boston-sdk-v1-high-level.ipynb"),
    "boto3-boston": ("v1", "boston/boston-boto3-low-level.ipynb"),
    "v2-moon": ("v2", "moon/moon-sdk-v2.ipynb"),
    "v2-boston": ("v2", "boston/boston-sdk-v2-high-level.ipynb"),
    "v2-iris": ("v2", "iris/iris-sdk-v2.ipynb"),
    "v2-fraud": ("v2", "fraud/fraud-sdk-v2.ipynb"),
    "v3-moon": ("v3", "moon/moon-sdk-v3.ipynb"),
}


def bwrap_works():
    """What `--isolation auto` decides (jobs/sandbox.c probes the same way)."""
    try:
        return subprocess.run(["bwrap", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
                               "--unshare-pid", "--die-with-parent", "true"], capture_output=True,
                              timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


BWRAP_WORKS = bwrap_works()


def clean_env():
    return {k: v for k, v in os.environ.items()
            if not k.startswith("SAGELITE_") and not k.startswith("AWS_")}


class Daemon:
    """One `sagelite serve --executor host` on port 0 in its own data dir."""

    def __init__(self, base, isolation):
        self.base = Path(base)
        self.data_dir = self.base / "data"
        self.stderr_path = self.base / "daemon.stderr"
        self.isolation = isolation
        cmd = [SAGELITE_BIN, "serve", "--listen", "127.0.0.1:0", "--data-dir", str(self.data_dir),
               "--executor", "host", "--isolation", isolation]
        with open(self.stderr_path, "wb") as err:
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                         stderr=err, env=clean_env())
        line = self._first_line()
        m = re.fullmatch(r"listening on http://127\.0\.0\.1:(\d+)", line)
        if not m:
            self.proc.kill()
            raise AssertionError(f"sagelite did not start: {line!r}\n{self.stderr_tail()}")
        self.port = int(m.group(1))
        self.env = self._client_env()

    def _first_line(self, timeout=10):
        fd, buf = self.proc.stdout.fileno(), b""
        deadline = time.monotonic() + timeout
        while b"\n" not in buf and time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
            if ready:
                chunk = os.read(fd, 4096)
                if not chunk:
                    break
                buf += chunk
        return buf.split(b"\n", 1)[0].decode(errors="replace")

    def _client_env(self):
        """What `eval "$(sagelite env)"` gives a shell, plus the aws CLI of
        .venv on PATH (the Boston notebooks run `!aws s3 cp`)."""
        out = subprocess.run([SAGELITE_BIN, "env", "--listen", f"127.0.0.1:{self.port}",
                              "--data-dir", str(self.data_dir)], capture_output=True, text=True,
                             env=clean_env(), check=True).stdout
        raw = subprocess.run(["bash", "-c", out + "\nenv -0"], env=clean_env(),
                             capture_output=True, check=True).stdout
        env = dict(line.split("=", 1) for line in raw.decode().split("\0") if "=" in line)
        env["PATH"] = env.get("PATH", "/usr/bin:/bin") + os.pathsep + str(REPO / ".venv" / "bin")
        env["SAGEMAKER_SUPPRESS_V2_WARNING"] = "1"
        env["MPLBACKEND"] = "Agg"
        env["MPLCONFIGDIR"] = str(self.base / "mpl")
        env["HOME"] = str(self.base / "home")  # ~/.sagemaker, ~/.aws: nothing of the user's
        os.makedirs(env["HOME"], exist_ok=True)
        return env

    def stderr_tail(self, n=30):
        """The last n lines of the daemon's log that are not request lines."""
        try:
            lines = self.stderr_path.read_text(errors="replace").splitlines()
        except FileNotFoundError:
            return ""
        request = re.compile(r" info  (GET|POST|PUT|HEAD|DELETE) /")
        return "\n".join([line for line in lines if not request.search(line)][-n:])

    def stop(self):
        if self.proc.poll() is not None:
            raise AssertionError(f"sagelite ({self.isolation}) died: rc {self.proc.returncode}\n"
                                 f"{self.stderr_tail()}")
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise AssertionError(f"sagelite ({self.isolation}) ignored SIGTERM\n"
                                 f"{self.stderr_tail()}")
        assert rc == 0, f"sagelite ({self.isolation}) exited {rc}\n{self.stderr_tail()}"


def run_flow(daemon, flow, workdir):
    """Execute one notebook; returns the runner's JSON summary plus the
    runner's own output."""
    venv, notebook = FLOWS[flow]
    python = VENVS[venv] / "bin" / "python"
    result_path = workdir / "result.json"
    cmd = [str(python), str(RUNNER), str(REPO / "fixtures" / notebook), "--netguard", "--quiet",
           "--workdir", str(workdir / "nb"), "--json", str(result_path),
           "--out", str(workdir / "executed.ipynb"), "--timeout", str(RUN_TIMEOUT_S)]
    start = time.monotonic()
    try:
        proc = subprocess.run(cmd, env=daemon.env, capture_output=True, text=True,
                              timeout=RUN_TIMEOUT_S)
        output, rc = proc.stdout + proc.stderr[-6000:], proc.returncode
    except subprocess.TimeoutExpired as e:
        output, rc = f"timed out after {RUN_TIMEOUT_S}s: {(e.stdout or b'')[-3000:]!r}", 124
    summary = {"ok": False, "error": f"runner exited {rc}", "results": {}, "phases": {},
               "order": [], "wall": time.monotonic() - start, "sleep": 0.0, "blocked": []}
    if result_path.exists():
        summary = json.loads(result_path.read_text())
    summary["runner_output"] = output
    summary["rc"] = rc
    summary["daemon_stderr"] = daemon.stderr_tail()
    return summary


@pytest.fixture(scope="session")
def course(request, tmp_path_factory):
    """{(flow, isolation): Future of run_flow's summary}; every selected
    run (-k picks them) is queued at once."""
    if not Path(SAGELITE_BIN).exists():
        pytest.fail(f"{SAGELITE_BIN} not built")
    for venv, _ in FLOWS.values():
        if not (VENVS[venv] / "bin" / "python").exists():
            pytest.fail(f"{VENVS[venv]} missing: run scripts/install-deps.sh --test")
    wanted = {(it.callspec.params["flow"], it.callspec.params["iso"])
              for it in request.session.items
              if hasattr(it, "callspec") and "flow" in it.callspec.params}
    isolations = [iso for iso in ISOLATIONS if any(w[1] == iso for w in wanted)]
    daemons = {iso: Daemon(tmp_path_factory.mktemp(f"sagelite-{iso}"), iso)
               for iso in isolations}
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=JOBS)
    futures = {}
    # Interleave the daemons so both modes make progress from the start.
    for flow in FLOWS:
        for iso in isolations:
            if (flow, iso) not in wanted:
                continue
            workdir = tmp_path_factory.mktemp(f"{flow}-{iso}")
            futures[(flow, iso)] = pool.submit(run_flow, daemons[iso], flow, workdir)
    yield futures
    pool.shutdown(wait=True)
    for d in daemons.values():
        d.stop()
