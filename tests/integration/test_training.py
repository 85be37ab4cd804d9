"""Training jobs really run: a daemon started with `--executor host` runs
each job as a host process under SageMaker's container contract.

* The course's notebooks, through the SageMaker SDK v2 (tests/sdk/
  pytorch_fit.py, sklearn_fit.py in .venv-sdk2 after `sagelite env`): the
  PyTorch moon model and the scikit-learn iris tree train, the SDK tails
  the job's log lines, model.tar.gz holds what the script saved; the
  course's original moon script (its tensor-shape bug intact) ends Failed
  with the ValueError in FailureReason and the traceback in CloudWatch.
* Through boto3: a user-mapped image (--runtime-map) runs a shell script;
  StopTrainingJob and MaxRuntimeInSeconds stop a sleeping script; a
  missing channel prefix, a missing entry point and a hostile source
  tarball fail cleanly; a script that leaves a background process behind
  still completes and leaves nothing running; 100 MB of log lines reach
  the log stream without growing the daemon; 20 concurrent jobs all
  complete.

Script-mode jobs are created the way the SDK creates them: the scikit-learn
framework image, hyperparameters sagemaker_program and
sagemaker_submit_directory (JSON-encoded) naming a sourcedir.tar.gz."""
import io
import json
import os
import re
import subprocess
import tarfile
import threading
import time
import uuid
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from conftest import REPO, SAGELITE_BIN
from test_sdk_env import env_from_sagelite

ACCOUNT = "000000000000"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/SageMakerRole"
SKLEARN_IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"
ECHO_IMAGE = "local/echo-trainer:1"
LOG_GROUP = "/aws/sagemaker/TrainingJobs"
SDK2_PYTHON = REPO / ".venv-sdk2" / "bin" / "python"
DONE = ("Completed", "Failed", "Stopped")


def uniq(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def write_runtime_map(path, mapping):
    """The --runtime-map file: one `IMAGE-GLOB COMMAND` line each."""
    path.write_text("".join(f"{pattern} {program}\n" for pattern, program in mapping.items()))
    return path


@pytest.fixture(scope="module")
def trainer(module_daemon_factory, tmp_path_factory):
    """The daemon these tests share: the host executor, echo-trainer mapped,
    framework scripts run by Debian's python3 (python3-torch, -sklearn)."""
    cfg = tmp_path_factory.mktemp("runtime-map")
    rmap = write_runtime_map(cfg / "runtimes.conf",
                             {"local/echo-trainer:*": REPO / "tests/sdk/echo_trainer.sh"})
    return module_daemon_factory("--executor", "host", "--runtime-map", str(rmap),
                                 "--python", "/usr/bin/python3")


@pytest.fixture(scope="module")
def sm(trainer):
    return trainer.client("sagemaker")


@pytest.fixture(scope="module")
def s3(trainer):
    return trainer.client("s3")


@pytest.fixture(scope="module")
def logs(trainer):
    return trainer.client("logs")


@pytest.fixture(scope="module")
def bucket(s3):
    name = uniq("training")
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="data/train/train.csv", Body=b"0,1.0,2.0\n1,3.0,4.0\n")
    return name


# ---- helpers ----------------------------------------------------------------

def tar_gz(files):
    """files: {name: str|bytes} -> bytes of a .tar.gz (mode 0644)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, body in files.items():
            data = body.encode() if isinstance(body, str) else body
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), 0o644, int(time.time())
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def upload_source(s3, bucket, job, body):
    """Upload a sourcedir.tar.gz (bytes) where the SDK puts it; its URI."""
    key = f"{job}/source/sourcedir.tar.gz"
    s3.put_object(Bucket=bucket, Key=key, Body=body)
    return f"s3://{bucket}/{key}"


def script_job(sm, s3, bucket, job, script=None, source=None, program="train.py",
               hyperparameters=None, channel_prefix="data/train/", **extra):
    """CreateTrainingJob as the SDK's SKLearn estimator does: script (the
    text of train.py) or source (a ready tarball) uploaded as the job's
    sourcedir.tar.gz."""
    body = source if source is not None else tar_gz({"train.py": script})
    hps = {"sagemaker_program": json.dumps(program),
           "sagemaker_submit_directory": json.dumps(upload_source(s3, bucket, job, body)),
           "sagemaker_container_log_level": "20",
           "sagemaker_job_name": json.dumps(job),
           "sagemaker_region": json.dumps("us-east-1")}
    hps.update({k: json.dumps(v) for k, v in (hyperparameters or {}).items()})
    request = dict(
        TrainingJobName=job, RoleArn=ROLE, HyperParameters=hps,
        AlgorithmSpecification={"TrainingImage": SKLEARN_IMAGE, "TrainingInputMode": "File"},
        InputDataConfig=[{"ChannelName": "train", "DataSource": {"S3DataSource": {
            "S3DataType": "S3Prefix", "S3Uri": f"s3://{bucket}/{channel_prefix}",
            "S3DataDistributionType": "FullyReplicated"}}}],
        OutputDataConfig={"S3OutputPath": f"s3://{bucket}/output"},
        ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 5},
        StoppingCondition={"MaxRuntimeInSeconds": 600})
    request.update(extra)
    sm.create_training_job(**request)
    return job


def wait_job(sm, job, timeout=60, until=DONE):
    """Poll DescribeTrainingJob until TrainingJobStatus is in until."""
    deadline = time.monotonic() + timeout
    while True:
        d = sm.describe_training_job(TrainingJobName=job)
        if d["TrainingJobStatus"] in until:
            return d
        if time.monotonic() > deadline:
            raise AssertionError(f"{job} still {d['TrainingJobStatus']}/"
                                 f"{d.get('SecondaryStatus')} after {timeout}s")
        time.sleep(0.2)


def wait_secondary(sm, job, status, timeout=30):
    deadline = time.monotonic() + timeout
    while True:
        d = sm.describe_training_job(TrainingJobName=job)
        if d.get("SecondaryStatus") == status or d["TrainingJobStatus"] in DONE:
            return d
        if time.monotonic() > deadline:
            raise AssertionError(f"{job} never reached {status}: {d.get('SecondaryStatus')}")
        time.sleep(0.1)


def log_streams(logs, job):
    streams = logs.describe_log_streams(logGroupName=LOG_GROUP,
                                        logStreamNamePrefix=job + "/")["logStreams"]
    return [s["logStreamName"] for s in streams]


def log_messages(logs, job):
    """Every message of the job's log streams, paging GetLogEvents forward
    from the head the way the SDK does until the token stops moving."""
    out = []
    for stream in log_streams(logs, job):
        token = None
        while True:
            kw = {"nextToken": token} if token else {"startFromHead": True}
            page = logs.get_log_events(logGroupName=LOG_GROUP, logStreamName=stream, **kw)
            out.extend(e["message"] for e in page["events"])
            if page["nextForwardToken"] == token:
                break
            token = page["nextForwardToken"]
    return out


def wait_log_line(logs, job, needle, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if any(needle in m for m in log_messages(logs, job)):
                return
        except ClientError:
            pass  # group or stream not there yet
        time.sleep(0.2)
    raise AssertionError(f"{needle!r} never appeared in {job}'s log stream")


def model_members(s3, desc):
    """Names (and bytes) in the job's model.tar.gz, fetched from the daemon."""
    uri = desc["ModelArtifacts"]["S3ModelArtifacts"]
    assert uri.endswith(f"/{desc['TrainingJobName']}/output/model.tar.gz"), uri
    b, key = uri[len("s3://"):].split("/", 1)
    body = s3.get_object(Bucket=b, Key=key)["Body"].read()
    with tarfile.open(fileobj=io.BytesIO(body), mode="r:gz") as tar:
        return {m.name.removeprefix("./"): (tar.extractfile(m).read() if m.isfile() else None)
                for m in tar.getmembers() if m.name not in (".", "./")}


def processes_matching(text):
    """(pid, cmdline) of live processes whose command line contains text."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in cmd:
            found.append((int(entry.name), cmd.strip()))
    return found


def wait_no_process(text, timeout=10):
    deadline = time.monotonic() + timeout
    while (left := processes_matching(text)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return left


def rss_kib(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError(f"no VmRSS for {pid}")


# ---- the course's notebooks through the SDK -----------------------------------

SDK_FLOWS = {
    "moon": ["pytorch_fit.py", "fixed"],
    "moon-original": ["pytorch_fit.py", "original"],
    "iris": ["sklearn_fit.py"],
}


@pytest.fixture(scope="module")
def sdk_flows(trainer, tmp_path_factory):
    """Start every SDK flow at once (each takes a while: the SDK polls the
    job and its logs), then hand out their JSON results on demand."""
    assert SDK2_PYTHON.exists(), f"{SDK2_PYTHON} missing: run scripts/install-deps.sh --test"
    env = env_from_sagelite(trainer)
    env["SAGEMAKER_SUPPRESS_V2_WARNING"] = "1"
    logdir = tmp_path_factory.mktemp("sdk-flows")
    procs = {}
    for name, argv in SDK_FLOWS.items():
        err = open(logdir / f"{name}.stderr", "w+")
        procs[name] = (subprocess.Popen([str(SDK2_PYTHON), str(REPO / "tests/sdk" / argv[0]),
                                         *argv[1:]],
                                        env=env, stdout=subprocess.PIPE, stderr=err, text=True),
                       err)
    results = {}

    def result(name):
        if name not in results:
            proc, err = procs[name]
            out, _ = proc.communicate(timeout=300)
            err.seek(0)
            stderr = err.read()
            assert proc.returncode == 0, f"{name} flow exited {proc.returncode}\n{stderr[-4000:]}"
            results[name] = json.loads(out.strip().splitlines()[-1])
            results[name]["stderr"] = stderr
        return results[name]

    yield result
    for proc, err in procs.values():
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        err.close()


@pytest.mark.timeout(360)
def test_sdk_pytorch_moon_trains(sdk_flows, s3, logs):
    r = sdk_flows("moon")
    assert r["status"] == "Completed", r["stderr"][-4000:]
    assert r["error"] is None
    assert r["version"].startswith("2.")
    assert r["blocked"] == [], f"tried to reach non-local hosts: {r['blocked']}"
    assert r["logs_seen"], "the SDK did not print the script's 'Epoch: 80' line:\n" + \
        r["stderr"][-3000:]
    desc = {"TrainingJobName": r["job_name"],
            "ModelArtifacts": {"S3ModelArtifacts": r["model_data"]}}
    members = model_members(s3, desc)
    assert {"model.pth", "model_info.pth"} <= set(members), sorted(members)
    assert r["model_data"] == (f"s3://sagemaker-us-east-1-{ACCOUNT}/sagemaker/moon-model/"
                               f"{r['job_name']}/output/model.tar.gz")
    lines = log_messages(logs, r["job_name"])
    epochs = [m for m in lines if m.startswith("Epoch: ")]
    assert len(epochs) == 80 and epochs[-1].startswith("Epoch: 80, Loss: "), epochs[-3:]


@pytest.mark.timeout(360)
def test_sdk_pytorch_original_script_fails_with_its_valueerror(sdk_flows, sm, logs):
    r = sdk_flows("moon-original")
    assert r["status"] == "Failed", r["stderr"][-4000:]
    assert r["error"] and r["error"].startswith("UnexpectedStatusException"), r["error"]
    assert "ValueError" in r["failure_reason"], r["failure_reason"]
    assert "target size" in r["failure_reason"], r["failure_reason"]
    assert r["logs_seen"], "the SDK did not print the traceback"
    assert sm.describe_training_job(TrainingJobName=r["job_name"])["SecondaryStatus"] == "Failed"
    streams = log_streams(logs, r["job_name"])
    assert len(streams) == 1 and re.fullmatch(re.escape(r["job_name"]) + r"/algo-1-\d{10}",
                                              streams[0]), streams
    text = "\n".join(log_messages(logs, r["job_name"]))
    assert "Traceback (most recent call last):" in text
    assert "train_original.py" in text
    assert "ValueError: Using a target size" in text


@pytest.mark.timeout(360)
def test_sdk_sklearn_iris_trains(sdk_flows, s3, sm):
    r = sdk_flows("iris")
    assert r["status"] == "Completed", r["stderr"][-4000:]
    assert r["error"] is None and r["blocked"] == []
    assert r["logs_seen"], "the SDK did not print the script's 'training accuracy' line"
    desc = sm.describe_training_job(TrainingJobName=r["job_name"])
    assert desc["SecondaryStatus"] == "Completed"
    assert desc["HyperParameters"]["max_leaf_nodes"] == "10"
    members = model_members(s3, desc)
    assert "model.joblib" in members, sorted(members)
    assert len(members["model.joblib"]) > 100


# ---- the container contract through boto3 ------------------------------------

def test_user_mapped_image_runs_its_program(sm, s3, logs, bucket):
    job = uniq("echo")
    sm.create_training_job(
        TrainingJobName=job, RoleArn=ROLE,
        AlgorithmSpecification={"TrainingImage": ECHO_IMAGE, "TrainingInputMode": "File"},
        HyperParameters={"greeting": "hi there", "n": "3"},
        InputDataConfig=[{"ChannelName": "train", "DataSource": {"S3DataSource": {
            "S3DataType": "S3Prefix", "S3Uri": f"s3://{bucket}/data/train"}}}],
        OutputDataConfig={"S3OutputPath": f"s3://{bucket}/output"},
        ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 5},
        StoppingCondition={"MaxRuntimeInSeconds": 60})
    d = wait_job(sm, job)
    assert d["TrainingJobStatus"] == "Completed", d.get("FailureReason")
    assert d["SecondaryStatus"] == "Completed"
    members = model_members(s3, d)
    assert members["echo.txt"] == f"hello from {job}\n".encode()
    assert json.loads(members["hyperparameters.json"]) == {"greeting": "hi there", "n": "3"}
    rc = json.loads(members["resourceconfig.json"])
    assert rc["current_host"] == "algo-1" and rc["hosts"] == ["algo-1"]
    assert members["train-files.txt"].split() == [b"train.csv"]
    text = "\n".join(log_messages(logs, job))
    assert f"echo-trainer: job {job} starting" in text and "echo-trainer: done" in text


def test_unmapped_image_fails_naming_the_image(sm, bucket):
    job = uniq("unmapped")
    image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/nobody-maps-me:3"
    sm.create_training_job(
        TrainingJobName=job, RoleArn=ROLE,
        AlgorithmSpecification={"TrainingImage": image, "TrainingInputMode": "File"},
        OutputDataConfig={"S3OutputPath": f"s3://{bucket}/output"},
        ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 5},
        StoppingCondition={"MaxRuntimeInSeconds": 60})
    d = wait_job(sm, job)
    assert d["TrainingJobStatus"] == "Failed"
    assert image in d["FailureReason"], d["FailureReason"]


SLEEPER = """\
import sys, time
print("sleeping", sys.argv[1:], flush=True)
time.sleep(600)
"""


def test_stop_training_job_stops_the_script(sm, s3, logs, bucket):
    job, tag = uniq("stop"), uuid.uuid4().hex
    script_job(sm, s3, bucket, job, SLEEPER, hyperparameters={"tag": tag})
    wait_log_line(logs, job, "sleeping")
    assert processes_matching(tag), "the script is not running"
    t0 = time.monotonic()
    sm.stop_training_job(TrainingJobName=job)
    assert sm.describe_training_job(TrainingJobName=job)["TrainingJobStatus"] in \
        ("Stopping", "Stopped")
    d = wait_job(sm, job, timeout=30)
    assert d["TrainingJobStatus"] == "Stopped", d.get("FailureReason")
    assert d["SecondaryStatus"] == "Stopped"
    assert time.monotonic() - t0 < 15  # SIGTERM, not the 120 s grace
    assert "FailureReason" not in d
    assert wait_no_process(tag) == []


def test_max_runtime_stops_the_job(sm, s3, logs, bucket):
    job, tag = uniq("maxrt"), uuid.uuid4().hex
    t0 = time.monotonic()
    script_job(sm, s3, bucket, job, SLEEPER, hyperparameters={"tag": tag},
               StoppingCondition={"MaxRuntimeInSeconds": 2})
    d = wait_job(sm, job, timeout=30)
    assert d["TrainingJobStatus"] == "Stopped", d.get("FailureReason")
    assert d["SecondaryStatus"] == "MaxRuntimeExceeded"
    assert 2 <= time.monotonic() - t0 < 20
    assert "MaxRuntimeExceeded" in [t["Status"] for t in d["SecondaryStatusTransitions"]]
    assert wait_no_process(tag) == []


def test_missing_channel_prefix_is_a_client_error(sm, s3, bucket):
    job = uniq("nochan")
    script_job(sm, s3, bucket, job, "print('never runs')\n",
               channel_prefix=f"no-such-prefix-{job}/")
    d = wait_job(sm, job)
    assert d["TrainingJobStatus"] == "Failed"
    assert d["FailureReason"].startswith("ClientError"), d["FailureReason"]
    assert f"s3://{bucket}/no-such-prefix-{job}/" in d["FailureReason"], d["FailureReason"]


def test_missing_entry_point_fails_clearly(sm, s3, bucket):
    job = uniq("noentry")
    script_job(sm, s3, bucket, job, "print('not me')\n", program="nope.py")
    d = wait_job(sm, job)
    assert d["TrainingJobStatus"] == "Failed"
    assert "nope.py" in d["FailureReason"], d["FailureReason"]


def test_source_tarball_cannot_escape_the_job_dir(sm, s3, trainer, bucket):
    job, tag = uniq("evil"), uuid.uuid4().hex
    buf = io.BytesIO()
    script = b"import os\nopen(os.path.join(os.environ['SM_MODEL_DIR'], 'ok'), 'w').write('ok')\n"
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        def add(name, data=b"x", **attrs):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            for k, v in attrs.items():
                setattr(info, k, v)
            tar.addfile(info, io.BytesIO(data) if info.isfile() else None)
        add("train.py", script)
        add(f"../escape-{tag}-dotdot")
        add(f"sub/../../../escape-{tag}-nested")
        add("../" * 30 + f"tmp/escape-{tag}-deep")
        add(f"/tmp/escape-{tag}-absolute")
        add("link", type=tarfile.SYMTYPE, linkname="/tmp", size=0)
        add(f"link/escape-{tag}-through-symlink")
        add("hard", type=tarfile.LNKTYPE, linkname="/etc/hostname", size=0)
    script_job(sm, s3, bucket, job, source=buf.getvalue())
    d = wait_job(sm, job)
    # Either the bad members are skipped and the script runs, or the job is
    # refused as the user's mistake; never a write outside the job dir.
    if d["TrainingJobStatus"] == "Failed":
        assert d["FailureReason"].startswith("ClientError"), d["FailureReason"]
    else:
        assert d["TrainingJobStatus"] == "Completed"
    assert list(Path("/tmp").glob(f"escape-{tag}*")) == []
    base = trainer.data_dir.parent
    outside = [p for p in base.rglob(f"escape-{tag}*") if job not in str(p)]
    assert outside == [], outside


@pytest.mark.parametrize("new_session", [False, True], ids=["same-group", "new-session"])
def test_background_process_does_not_hold_the_job(sm, s3, bucket, new_session):
    job = uniq("forker")
    duration = f"1000.{uuid.uuid4().int % 10**8:08d}"  # a cmdline no one else has
    script = (f"import subprocess\n"
              f"subprocess.Popen(['sleep', '{duration}'], start_new_session={new_session})\n"
              f"print('left a sleeper behind', flush=True)\n")
    script_job(sm, s3, bucket, job, script)
    d = wait_job(sm, job, timeout=30)
    assert d["TrainingJobStatus"] == "Completed", d.get("FailureReason")
    left = wait_no_process(f"sleep {duration}")
    assert left == [], f"the job's background process outlived it: {left}"


@pytest.mark.timeout(300)
def test_100_mb_of_logs(sm, s3, logs, trainer, bucket):
    job = uniq("chatty")
    n, width = 100_000, 1000  # 100 MB of log lines
    script = ("import sys\n"
              f"pad = 'x' * {width - 8}\n"
              f"for i in range({n}):\n"
              "    sys.stdout.write(f'{i:06d} {pad}\\n')\n"
              "print('chatty done')\n")
    pid = trainer.proc.pid
    before = rss_kib(pid)
    peak, stop = [before], threading.Event()

    def sample():
        while not stop.wait(0.1):
            try:
                peak.append(rss_kib(pid))
            except (OSError, AssertionError):
                return

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        script_job(sm, s3, bucket, job, script)
        d = wait_job(sm, job, timeout=180)
        messages = log_messages(logs, job)
    finally:
        stop.set()
        sampler.join()
    assert d["TrainingJobStatus"] == "Completed", d.get("FailureReason")
    numbered = [m for m in messages if len(m) == width - 1 and m[6] == " "]
    assert len(numbered) == n, f"{len(numbered)} of {n} lines in the log stream"
    assert numbered[0].startswith("000000 ") and numbered[-1].startswith(f"{n - 1:06d} ")
    assert "chatty done" in messages
    if sanitized():
        return  # ASan keeps freed memory in quarantine (256 MB): RSS says nothing here
    grew_mib = (max(peak) - before) / 1024
    assert grew_mib < 64, f"daemon RSS grew by {grew_mib:.0f} MiB while logging 100 MB"
    assert max(peak) / 1024 < 100, f"daemon RSS peaked at {max(peak) / 1024:.0f} MiB"
    print(f"daemon RSS {before // 1024} MiB before, peak {max(peak) // 1024} MiB")


def sanitized():
    """Is the daemon an ASan build?"""
    try:
        out = subprocess.run(["ldd", os.path.realpath(SAGELITE_BIN)],
                             capture_output=True, text=True, timeout=10).stdout
    except OSError:
        return False
    return "libasan" in out


@pytest.mark.timeout(180)
def test_20_concurrent_jobs_all_complete(trainer, bucket):
    sm = trainer.client("sagemaker", max_pool_connections=32)
    s3 = trainer.client("s3", max_pool_connections=32)
    script = ("import os, sys\n"
              "out = os.path.join(os.environ['SM_MODEL_DIR'], 'who')\n"
              "open(out, 'w').write(os.environ['TRAINING_JOB_NAME'])\n"
              "print('done', flush=True)\n")
    batch = uniq("many")
    jobs = [f"{batch}-{i:02d}" for i in range(20)]
    errors = []

    def create(job):
        try:
            script_job(sm, s3, bucket, job, script)
        except Exception as e:  # noqa: BLE001 — reported below
            errors.append(f"{job}: {e}")

    threads = [threading.Thread(target=create, args=(j,)) for j in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    descs = {j: wait_job(sm, j, timeout=150) for j in jobs}
    bad = {j: (d["TrainingJobStatus"], d.get("FailureReason")) for j, d in descs.items()
           if d["TrainingJobStatus"] != "Completed"}
    assert bad == {}
    for j, d in descs.items():
        assert model_members(s3, d)["who"] == j.encode()
    listed = set()
    for page in sm.get_paginator("list_training_jobs").paginate(NameContains=batch):
        listed |= {s["TrainingJobName"] for s in page["TrainingJobSummaries"]
                   if s["TrainingJobStatus"] == "Completed"}
    assert listed == set(jobs)
