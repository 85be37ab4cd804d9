"""Fixtures for the integration suite: real sagelite daemons on port 0 in
fresh data dirs, and boto3 clients pointed at them.

The binary is $SAGELITE_BIN (default <repo>/sagelite).  Every daemon started
here is stopped with SIGTERM at teardown and must exit 0; a daemon that died
on its own, or that logged a sanitizer report, fails the test loudly."""
import atexit
import os
import re
import select
import signal
import subprocess
import time
from pathlib import Path

import boto3
import pytest
import requests
from botocore.config import Config

REPO = Path(__file__).resolve().parents[2]
SAGELITE_BIN = os.environ.get("SAGELITE_BIN") or str(REPO / "sagelite")
START_TIMEOUT_S = 10
STOP_TIMEOUT_S = 30
DEFAULT_TEST_TIMEOUT_S = 60
SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                   "ThreadSanitizer", "SUMMARY: UndefinedBehaviorSanitizer")

_all_procs = []  # every daemon process started by this session


def clean_env(extra=None):
    """os.environ without SAGELITE_* and AWS_* variables, plus extra."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("SAGELITE_") and not k.startswith("AWS_")}
    env.update(extra or {})
    return env


def run_cli(*args, env=None, timeout=30, check=False):
    """Run the sagelite binary with args; returns CompletedProcess (text)."""
    return subprocess.run([SAGELITE_BIN, *map(str, args)], capture_output=True, text=True,
                          env=clean_env(env), timeout=timeout, check=check)


def make_client(url, service, key="test", secret="test", region="us-east-1", **config):
    """A boto3 client for service pointed at url, one attempt, no retries."""
    cfg = Config(retries={"max_attempts": 1}, connect_timeout=10, read_timeout=30, **config)
    return boto3.session.Session().client(
        service, endpoint_url=url, aws_access_key_id=key, aws_secret_access_key=secret,
        region_name=region, config=cfg)


class DaemonFailure(AssertionError):
    pass


class Daemon:
    """One `sagelite serve` process.  Attributes: url, port, data_dir, proc,
    stderr_path, args, env."""

    def __init__(self, data_dir, stderr_path, args=(), env=None, listen=True, data_dir_flag=True):
        self.data_dir = Path(data_dir)
        self.stderr_path = Path(stderr_path)
        self.args = list(args)
        self.env = dict(env or {})
        self.listen = listen
        self.data_dir_flag = data_dir_flag
        self.proc = None
        self.port = None
        self.url = None
        self.exit_codes = []

    # -- life cycle -------------------------------------------------------
    def start(self):
        cmd = [SAGELITE_BIN, "serve"]
        if self.listen:
            cmd += ["--listen", "127.0.0.1:0"]
        if self.data_dir_flag:
            cmd += ["--data-dir", str(self.data_dir)]
        # The control-plane suites run on the test executor (everything
        # completes at once); suites that really run work pass --executor host.
        if not any(str(a).startswith("--executor") for a in self.args) and \
                "SAGELITE_EXECUTOR" not in (self.env or {}):
            cmd += ["--executor", "test"]
        cmd += self.args
        with open(self.stderr_path, "ab") as err:
            err.write(f"==== start: {' '.join(cmd)}\n".encode())
            err.flush()
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                         stderr=err, env=clean_env(self.env))
        _all_procs.append(self.proc)
        line = self._read_listening_line()
        m = re.fullmatch(r"listening on http://127\.0\.0\.1:(\d+)", line)
        if not m:
            self._kill()
            raise DaemonFailure(f"unexpected first stdout line {line!r}\n{self.stderr_tail()}")
        self.port = int(m.group(1))
        self.url = f"http://127.0.0.1:{self.port}"
        return self

    def _read_listening_line(self):
        fd = self.proc.stdout.fileno()
        buf = b""
        deadline = time.monotonic() + START_TIMEOUT_S
        while b"\n" not in buf:
            left = deadline - time.monotonic()
            if left <= 0:
                self._kill()
                raise DaemonFailure(f"no listening line within {START_TIMEOUT_S}s; "
                                    f"stdout so far {buf!r}\n{self.stderr_tail()}")
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                continue
            chunk = os.read(fd, 4096)
            if not chunk:
                rc = self.proc.wait()
                raise DaemonFailure(f"daemon exited with {rc} before listening\n"
                                    f"{self.stderr_tail()}")
            buf += chunk
        return buf.split(b"\n", 1)[0].decode()

    def _kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def check_alive(self):
        """Fail loudly when the daemon is no longer running."""
        if self.proc is not None and self.proc.poll() is not None:
            rc = self.proc.returncode
            how = f"killed by signal {-rc}" if rc < 0 else f"exit {rc}"
            raise DaemonFailure(f"daemon died ({how})\n"
                                f"{self.stderr_tail()}")

    def stop(self, expect_rc=0):
        """SIGTERM and wait; asserts the exit code (0 by default) and that
        no sanitizer report was logged.  Returns the exit code."""
        if self.proc is None:
            return None
        proc = self.proc
        self.check_alive()
        proc.send_signal(signal.SIGTERM)
        try:
            rc = proc.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self._kill()
            raise DaemonFailure(f"daemon ignored SIGTERM for {STOP_TIMEOUT_S}s\n"
                                f"{self.stderr_tail()}")
        finally:
            proc.stdout.close()
        self.proc = None
        self.exit_codes.append(rc)
        if expect_rc is not None and rc != expect_rc:
            how = f"was killed by signal {-rc}" if rc < 0 else f"exited {rc}"
            raise DaemonFailure(f"daemon {how} after SIGTERM (want exit {expect_rc})\n"
                                f"{self.stderr_tail()}")
        self.check_sanitizers()
        return rc

    def kill9(self):
        self.proc.kill()
        self.proc.wait()
        self.proc.stdout.close()
        self.proc = None

    def restart(self, kill9=False):
        """Stop (SIGTERM, or SIGKILL with kill9=True) and start again on the
        same data dir with the same arguments.  The port changes."""
        if kill9:
            self.check_alive()
            self.kill9()
        else:
            self.stop()
        return self.start()

    def close(self):
        """Teardown: stop when running; a daemon found dead fails."""
        if self.proc is None:
            self.check_sanitizers()
            return
        self.stop()

    # -- inspection -------------------------------------------------------
    def stderr_text(self):
        try:
            return self.stderr_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def stderr_tail(self, n=40):
        return "---- daemon stderr (tail) ----\n" + "\n".join(self.stderr_text().splitlines()[-n:])

    def check_sanitizers(self):
        text = self.stderr_text()
        for mark in SANITIZER_MARKS:
            if mark in text:
                raise DaemonFailure(f"sanitizer report in daemon log ({mark!r})\n"
                                    f"{self.stderr_tail(80)}")

    def health(self):
        r = requests.get(self.url + "/_sagelite/health", timeout=10)
        r.raise_for_status()
        return r.json()

    def client(self, service, key="test", secret="test", **kw):
        return make_client(self.url, service, key=key, secret=secret, **kw)

    def keys(self, *args):
        """Run `sagelite keys ARGS --data-dir <this data dir>`."""
        return run_cli("keys", *args, "--data-dir", self.data_dir)


class DaemonFactory:
    """Starts extra daemons; stop_all() is the finalizer."""

    def __init__(self, tmp_path_factory):
        self._tmp = tmp_path_factory
        self.daemons = []

    def start(self, *args, env=None, data_dir=None, listen=True, data_dir_flag=True):
        base = self._tmp.mktemp("daemon")
        d = Daemon(data_dir or base / "data", base / "stderr.log", args=args, env=env,
                   listen=listen, data_dir_flag=data_dir_flag)
        self.daemons.append(d)
        return d.start()

    def stop_all(self):
        errors = []
        for d in self.daemons:
            try:
                d.close()
            except DaemonFailure as e:
                errors.append(str(e))
            finally:
                d._kill()
        self.daemons = []
        if errors:
            raise DaemonFailure("\n\n".join(errors))


_session = {}  # "daemon": the shared Daemon, once a test asked for it


@pytest.fixture(scope="session")
def daemon(tmp_path_factory):
    """The shared daemon (default options), started once per session.
    It is checked after every test (see _daemon_still_alive) and must exit
    0 on SIGTERM at the end."""
    factory = DaemonFactory(tmp_path_factory)
    _session["daemon"] = factory.start()
    yield _session["daemon"]
    _session.pop("daemon", None)
    factory.stop_all()


@pytest.fixture(autouse=True)
def _daemon_still_alive():
    """After each test: the shared daemon, if started, is still running."""
    yield
    d = _session.get("daemon")
    if d is not None:
        d.check_alive()


@pytest.fixture
def start_daemon(tmp_path_factory):
    """Factory: start_daemon('--auth', 'strict', env={...}) -> Daemon.
    Every daemon it started is stopped (and must exit 0) after the test."""
    factory = DaemonFactory(tmp_path_factory)
    yield factory.start
    factory.stop_all()


@pytest.fixture(scope="module")
def module_daemon_factory(tmp_path_factory):
    """Like start_daemon, for daemons shared by a module's tests."""
    factory = DaemonFactory(tmp_path_factory)
    yield factory.start
    factory.stop_all()


def pytest_collection_modifyitems(items):
    for item in items:
        if item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(DEFAULT_TEST_TIMEOUT_S))


def _kill_leftovers():
    for p in _all_procs:
        if p.poll() is None:
            p.kill()
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass


def pytest_sessionfinish(session, exitstatus):
    _kill_leftovers()


atexit.register(_kill_leftovers)
