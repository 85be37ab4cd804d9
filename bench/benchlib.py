"""benchlib.py — helpers shared by the Python benchmark drivers in bench/
(s3.py, sagemaker.py, jobs.py, endpoints.py, xgboost.py, transform.py,
tuning.py): logging, the load generators' key=value output, /proc readers
(CPU seconds, RSS), starting and stopping a sagelite daemon or moto's
server, boto3 clients against them, and polling a SageMaker resource until
it reaches a status.

The drivers run as `bench/.venv/bin/python X.py` from bench/ (each through
its bench/X.sh), so this module is importable as `benchlib` from the
script's own directory.  boto3 is imported only where a client is made:
s3.py needs none.
"""
import io
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
ROLE = "arn:aws:iam::000000000000:role/SageMakerRole"
TERMINAL = ("Completed", "Failed", "Stopped")


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def parse_kv(line):
    return {k: v for k, v in re.findall(r"(\w+)=(\S+)", line)}


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def cpu_secs(pid):
    """utime+stime of a process (all its threads), in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid, field="VmRSS:"):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def hwm_mb(pid):
    return rss_mb(pid, "VmHWM:")


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def tar_gz(files):
    """{name: str or bytes} -> the bytes of a .tar.gz holding them."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, body in files.items():
            data = body.encode() if isinstance(body, str) else body
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), 0o644, int(time.time())
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def client(url, service, **config):
    """A boto3 client for service at url (a port number is taken as
    127.0.0.1:port), test credentials, no retries; config adds to
    botocore's Config (e.g. read_timeout=120)."""
    import boto3
    from botocore.config import Config
    if isinstance(url, int):
        url = f"http://127.0.0.1:{url}"
    return boto3.session.Session().client(
        service, endpoint_url=url, aws_access_key_id="test", aws_secret_access_key="test",
        region_name="us-east-1", config=Config(retries={"max_attempts": 1}, **config))


def stop_process(proc, timeout=20):
    """SIGTERM, then SIGKILL if it has not exited within timeout seconds."""
    if proc and proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def start_daemon(binary, tmp, alias, args=(), copy=True):
    """`sagelite serve` on an ephemeral port with data dir tmp/data and its
    stderr in tmp/sagelite.log; returns (proc, port, log file).  The binary
    runs as tmp/alias, a private copy (copy=True: a rebuild during the run
    does not change what is measured) or a symlink, under its own name so
    that another session's `pkill sagelite` does not stop it."""
    data = os.path.join(tmp, "data")
    os.makedirs(data)
    errf = open(os.path.join(tmp, "sagelite.log"), "w")
    exe = os.path.join(tmp, alias)
    if copy:
        shutil.copy2(binary, exe)
    else:
        os.symlink(binary, exe)
    proc = subprocess.Popen([exe, "serve", "--listen", "127.0.0.1:0", "--data-dir", data, *args],
                            stdout=subprocess.PIPE, stderr=errf, text=True)
    line = proc.stdout.readline()
    if not line.startswith("listening on"):
        raise RuntimeError(f"sagelite did not start: {line!r}")
    return proc, int(line.strip().rsplit(":", 1)[1]), errf


class Server:
    """A server under measurement (sagelite or moto) for the side-by-side
    drivers; they subclass it with their load generator's `load`."""

    def __init__(self, name, tmp):
        self.name, self.tmp, self.proc, self.port = name, tmp, None, None

    @property
    def pid(self):
        return self.proc.pid

    def diagnose(self):
        if self.proc.poll() is not None:
            log(f"  [{self.name}] the server exited with status {self.proc.returncode}")
        try:
            with open(self.errf.name, "rb") as f:
                f.seek(0, 2)
                f.seek(max(0, f.tell() - 1500))
                tail = f.read().decode(errors="replace").splitlines()[1:]
            log(f"  [{self.name}] server log ends:\n    " + "\n    ".join(tail[-8:]))
        except OSError:
            pass

    def stop(self):
        stop_process(self.proc)


def start_sagelite_server(cls, tmp, binary, alias, args=(), copy=True):
    s = cls("sagelite", tmp)
    s.proc, s.port, s.errf = start_daemon(binary, tmp, alias, args, copy)
    return s


def start_moto(cls, tmp):
    """moto_server from bench/.venv on a free port, as a cls (a Server)."""
    s = cls("moto", tmp)
    s.port = free_port()
    s.errf = open(os.path.join(tmp, "moto.log"), "w")
    s.proc = subprocess.Popen([os.path.join(HERE, ".venv", "bin", "moto_server"), "-H", "127.0.0.1",
                               "-p", str(s.port)], stdout=s.errf, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", s.port), timeout=0.5).close()
            return s
        except OSError:
            if s.proc.poll() is not None:
                raise RuntimeError("moto_server exited at start")
            time.sleep(0.1)
    raise RuntimeError("moto_server did not start in 60 s")


class Sagelite:
    """`sagelite serve --executor host` on a free port with a temp data dir,
    its stderr in tmp/sagelite.log (endpoints.py, xgboost.py, transform.py)."""

    def __init__(self, binary, tmp, python):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.data = os.path.join(tmp, "data")
        self.err = open(os.path.join(tmp, "sagelite.log"), "w")
        self.proc = subprocess.Popen(
            [binary, "serve", "--listen", f"127.0.0.1:{self.port}", "--data-dir", self.data,
             "--executor", "host", "--python", python, "--log-level", "warn"],
            stdout=subprocess.DEVNULL, stderr=self.err)
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                break
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("sagelite did not start; see its log")
                time.sleep(0.02)

    def client(self, service):
        return client(self.url, service, read_timeout=120)

    def stop(self):
        stop_process(self.proc, 30)
        self.err.close()


def wait_status(describe, key, done=TERMINAL, timeout=None, poll=0.05, t0=None,
                msg="{status} after {timeout} s"):
    """Call describe() every poll seconds until its d[key] is in done (a
    container of statuses, or a predicate on the status); returns (d,
    seconds since t0, default now).  Past timeout seconds (None: no limit)
    raises SystemExit(msg), formatted with status, timeout and d."""
    stop = done if callable(done) else (lambda st: st in done)
    if t0 is None:
        t0 = time.monotonic()
    while True:
        d = describe()
        if stop(d[key]):
            return d, time.monotonic() - t0
        if timeout is not None and time.monotonic() - t0 > timeout:
            raise SystemExit(msg.format(status=d[key], timeout=timeout, d=d))
        time.sleep(poll)


def runtime_dir(prefix, filename, body, image_glob):
    """A private program for --runtime-map: body written to filename (mode
    0755) in a fresh dir under bench/.venv (not /tmp: the job's bubblewrap
    sandbox mounts a private /tmp over it; bench/.venv is ours and ignored
    by git), and a runtimes.conf there mapping image_glob to it.  Returns
    (dir, program path, runtimes.conf path)."""
    ctr = tempfile.mkdtemp(prefix=prefix, dir=os.path.join(HERE, ".venv"))
    prog = os.path.join(ctr, filename)
    with open(prog, "w") as f:
        f.write(body)
    os.chmod(prog, 0o755)
    rmap = os.path.join(ctr, "runtimes.conf")
    with open(rmap, "w") as f:
        f.write(f"{image_glob} {prog}\n")
    return ctr, prog, rmap


def remove_or_keep(tmp, keep):
    """At the end of a run: remove the work dir tmp, or say where it is kept."""
    if keep:
        log(f"kept {tmp}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)


def deploy_endpoint(sm, name, timeout=300):
    """EndpointConfig and Endpoint `name` for model `name` (one ml.m5.large
    instance), waited for with DescribeEndpoint every 10 ms; returns the
    seconds from CreateEndpoint to InService."""
    sm.create_endpoint_config(EndpointConfigName=name, ProductionVariants=[
        {"VariantName": "AllTraffic", "ModelName": name, "InitialInstanceCount": 1,
         "InstanceType": "ml.m5.large", "InitialVariantWeight": 1.0}])
    t0 = time.monotonic()
    sm.create_endpoint(EndpointName=name, EndpointConfigName=name)
    d, secs = wait_status(lambda: sm.describe_endpoint(EndpointName=name), "EndpointStatus",
                          ("InService", "Failed"), timeout=timeout, poll=0.01, t0=t0,
                          msg=name + " still {status} after {timeout} s")
    if d["EndpointStatus"] == "Failed":
        raise SystemExit(f"{name} Failed: {sm.describe_endpoint(EndpointName=name)}")
    return secs


def host_args(ap):
    """The options endpoints.py and xgboost.py share, first on their lines."""
    ap.add_argument("--loadgen", required=True)
    ap.add_argument("--sagelite", required=True)
    ap.add_argument("--python", default="/usr/bin/python3")
    return ap


def not_in_progress(status):
    return status != "InProgress"
