"""Endpoints really serve: a daemon started with `--executor host` runs each
endpoint instance as a serving process (python3 -m sagelite_serving serve)
on a localhost port, and InvokeEndpoint is proxied to it.

The model is the course's scikit-learn iris tree, trained here with Debian's
python3 and packaged as the SDK packages a repacked model: model.joblib
plus code/inference.py (model_fn, and a predict_fn that refuses negative
features so a handler error can be provoked), deployed with the
scikit-learn framework image and SAGEMAKER_PROGRAM / _SUBMIT_DIRECTORY.

Covered: text/csv and application/x-npy invocations with the container's
Content-Type verbatim; a handler error as ModelError 424 (OriginalStatusCode
500, AWS's message and LogStreamArn); a 7 MB body refused with 413; two
variants weighted 80/20 (the split over 2,000 calls), TargetVariant, new
weights through UpdateEndpointWeightsAndCapacities; UpdateEndpoint while a
thread invokes without one failed call; an update to a broken model rolled
back (InService, FailureReason, the old model still answering); a model
whose model_fn raises ends Failed with the traceback's last line in
FailureReason, a missing model.tar.gz with AWS's download message; a
serving process killed with SIGKILL is restarted; DeleteEndpoint leaves no
serving process; after kill -9 of the daemon and a restart on the same
data dir the endpoint answers again with no client action.  Also: code
from an s3:// SAGEMAKER_SUBMIT_DIRECTORY, an unmapped image, a
user-mapped image run as `COMMAND serve` (headers both ways, a 400 as
"client error"), and the course's iris notebook through SDK v2 (fit,
deploy, predict, delete_endpoint)."""
import io
import json
import os
import signal
import struct
import subprocess
import tarfile
import threading
import time
import uuid
from pathlib import Path

import pytest
from botocore.exceptions import ClientError, WaiterError

from conftest import REPO
from test_sdk_env import env_from_sagelite

ACCOUNT = "000000000000"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/SageMakerRole"
SKLEARN_IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"
IRIS = REPO / "fixtures" / "iris"
LOG_GROUP = "/aws/sagemaker/Endpoints/"

INFERENCE_PY = '''
import os

import joblib
import numpy as np


def model_fn(model_dir):
    return joblib.load(os.path.join(model_dir, "model.joblib"))


def predict_fn(data, model):
    data = np.asarray(data, dtype=float)
    if data.ndim == 1:
        data = data.reshape(1, -1)
    if (data < 0).any():
        raise ValueError("negative measurements are not allowed")
    return model.predict(data)
'''

BROKEN_PY = '''
def model_fn(model_dir):
    raise RuntimeError("the model cannot be loaded on purpose")
'''

TRAIN_PY = '''
import sys, joblib, numpy as np
from sklearn import tree
train = np.loadtxt(sys.argv[1], delimiter=",")
clf = tree.DecisionTreeClassifier(random_state=0).fit(train[:, 1:], train[:, 0])
joblib.dump(clf, sys.argv[2])
test = np.loadtxt(sys.argv[3], delimiter=",")
print(",".join(str(int(p)) for p in clf.predict(test)))
'''


def uniq(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def tar_gz(files):
    """files: {name: str|bytes} -> bytes of a .tar.gz."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, body in files.items():
            data = body.encode() if isinstance(body, str) else body
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), 0o644, int(time.time())
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def npy(rows):
    """rows (lists of floats) as .npy bytes (format 1.0, little-endian f8)."""
    header = "{'descr': '<f8', 'fortran_order': False, 'shape': (%d, %d), }" % (len(rows), len(rows[0]))
    pad = 64 - (10 + len(header) + 1) % 64
    header = header + " " * pad + "\n"
    body = b"".join(struct.pack("<%dd" % len(r), *r) for r in rows)
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + body


def read_csv(path):
    return [[float(x) for x in line.split(",")] for line in Path(path).read_text().split()]


# ---- fixtures ------------------------------------------------------------------

@pytest.fixture(scope="module")
def iris(tmp_path_factory):
    """The trained tree: {'model': bytes of model.joblib, 'rows': test rows,
    'labels': their labels, 'expected': the tree's own predictions}."""
    tmp = tmp_path_factory.mktemp("iris")
    rows = read_csv(IRIS / "test-00.csv") + read_csv(IRIS / "test-01.csv")
    labels = [int(x) for x in (IRIS / "test-labels.csv").read_text().split()][:len(rows)]
    test = tmp / "test.csv"
    test.write_text("\n".join(",".join(str(v) for v in r) for r in rows) + "\n")
    out = subprocess.run(["/usr/bin/python3", "-c", TRAIN_PY, str(IRIS / "train.csv"),
                          str(tmp / "model.joblib"), str(test)],
                         capture_output=True, text=True, timeout=120, check=True)
    expected = [int(x) for x in out.stdout.strip().split(",")]
    return {"model": (tmp / "model.joblib").read_bytes(), "rows": rows, "labels": labels,
            "expected": expected}


@pytest.fixture(scope="module")
def server(module_daemon_factory):
    return module_daemon_factory("--executor", "host", "--python", "/usr/bin/python3",
                                 "--health-timeout", "120", "--stop-grace", "5")


@pytest.fixture(scope="module")
def sm(server):
    return server.client("sagemaker")


@pytest.fixture(scope="module")
def rt(server):
    return server.client("sagemaker-runtime")


@pytest.fixture(scope="module")
def bucket(server):
    name = uniq("endpoints")
    server.client("s3").create_bucket(Bucket=name)
    return name


def make_model(client, s3, bucket, iris, code=INFERENCE_PY, name=None, model_data=True,
               sourcedir=False, image=SKLEARN_IMAGE):
    """Upload model.tar.gz (model.joblib + code/inference.py) and CreateModel
    as the SDK does for a repacked scikit-learn model; with sourcedir, the
    code goes to its own sourcedir.tar.gz named by an s3://
    SAGEMAKER_SUBMIT_DIRECTORY instead (SKLearnModel without repacking).
    Returns the name."""
    name = name or uniq("iris")
    key = f"{name}/model.tar.gz"
    files = {"model.joblib": iris["model"]}
    submit = "/opt/ml/model/code"
    if sourcedir:
        s3.put_object(Bucket=bucket, Key=f"{name}/sourcedir.tar.gz", Body=tar_gz({"inference.py": code}))
        submit = f"s3://{bucket}/{name}/sourcedir.tar.gz"
    else:
        files["code/inference.py"] = code
    if model_data:
        s3.put_object(Bucket=bucket, Key=key, Body=tar_gz(files))
    client.create_model(
        ModelName=name, ExecutionRoleArn=ROLE,
        PrimaryContainer={"Image": image, "ModelDataUrl": f"s3://{bucket}/{key}",
                          "Environment": {"SAGEMAKER_PROGRAM": "inference.py",
                                          "SAGEMAKER_SUBMIT_DIRECTORY": submit,
                                          "SAGEMAKER_CONTAINER_LOG_LEVEL": "20",
                                          "SAGEMAKER_REGION": "us-east-1"}})
    return name


def make_config(client, variants):
    """variants: [(variant name, model, weight, instance count)]."""
    name = uniq("cfg")
    client.create_endpoint_config(EndpointConfigName=name, ProductionVariants=[
        {"VariantName": v, "ModelName": m, "InitialVariantWeight": w, "InitialInstanceCount": n,
         "InstanceType": "ml.m5.large"} for v, m, w, n in variants])
    return name


def wait_in_service(client, name, timeout=120):
    client.get_waiter("endpoint_in_service").wait(
        EndpointName=name, WaiterConfig={"Delay": 1, "MaxAttempts": timeout})
    return client.describe_endpoint(EndpointName=name)


def wait_status(client, name, statuses, timeout=120):
    deadline = time.monotonic() + timeout
    while True:
        d = client.describe_endpoint(EndpointName=name)
        if d["EndpointStatus"] in statuses:
            return d
        assert time.monotonic() < deadline, f"{name} still {d['EndpointStatus']}"
        time.sleep(0.5)


def deploy(client, s3, bucket, iris, variants=None):
    """A model, a config and an endpoint, InService.  Returns the endpoint name."""
    model = make_model(client, s3, bucket, iris)
    cfg = make_config(client, variants or [("AllTraffic", model, 1.0, 1)])
    name = uniq("ep")
    client.create_endpoint(EndpointName=name, EndpointConfigName=cfg)
    wait_in_service(client, name)
    return name


def csv_body(rows):
    return "\n".join(",".join(str(v) for v in r) for r in rows).encode()


def serving_procs(endpoint):
    """{pid: instance directory} of the processes serving endpoint, found by
    the instance directory in their command line (bubblewrap's --bind) or
    environment (SAGEMAKER_BASE_DIR without a sandbox)."""
    needle = f"/endpoints/{ACCOUNT}/{endpoint}/".encode()
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            cmd = Path(f"/proc/{entry}/cmdline").read_bytes()
            env = Path(f"/proc/{entry}/environ").read_bytes()
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        if stat.split(")")[-1].split()[0] == "Z":
            continue
        for blob in (cmd, env):
            at = blob.find(needle)
            if at >= 0:
                rest = blob[at + len(needle):].split(b"\0")[0]
                found[int(entry)] = "/".join(rest.decode().split("/")[:2])  # <gen>/<variant>-<i>
                break
    return found


def serving_pids(data_dir, endpoint):
    return list(serving_procs(endpoint))


def invoke_until_ok(rt, name, body, timeout=30):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            return rt.invoke_endpoint(EndpointName=name, ContentType="text/csv", Accept="text/csv",
                                      Body=body)
        except ClientError as e:
            last = e
            time.sleep(0.2)
    raise AssertionError(f"{name} never answered again: {last}")


# ---- one endpoint ------------------------------------------------------------

@pytest.fixture(scope="module")
def endpoint(sm, server, bucket, iris):
    return deploy(sm, server.client("s3"), bucket, iris)


@pytest.mark.timeout(180)
def test_csv_and_npy(endpoint, rt, sm, iris):
    d = sm.describe_endpoint(EndpointName=endpoint)
    assert d["EndpointStatus"] == "InService"
    assert d["ProductionVariants"][0]["CurrentInstanceCount"] == 1

    r = rt.invoke_endpoint(EndpointName=endpoint, ContentType="text/csv", Accept="text/csv",
                           Body=csv_body(iris["rows"]))
    assert r["ContentType"] == "text/csv"
    assert r["InvokedProductionVariant"] == "AllTraffic"
    got = [int(float(x)) for x in r["Body"].read().decode().split()]
    assert got == iris["expected"]
    right = sum(1 for g, want in zip(got, iris["labels"]) if g == want)
    assert right >= 0.85 * len(got), (got, iris["labels"])

    r = rt.invoke_endpoint(EndpointName=endpoint, ContentType="application/x-npy",
                           Accept="application/json", Body=npy(iris["rows"]))
    assert r["ContentType"] == "application/json"
    assert [int(x) for x in json.loads(r["Body"].read())] == iris["expected"]


def test_handler_error_is_model_error(endpoint, rt):
    with pytest.raises(ClientError) as ei:
        rt.invoke_endpoint(EndpointName=endpoint, ContentType="text/csv", Body=b"-1,2,3,4")
    e = ei.value.response
    assert e["Error"]["Code"] == "ModelError"
    assert e["ResponseMetadata"]["HTTPStatusCode"] == 424
    assert e["OriginalStatusCode"] == 500
    assert "negative measurements are not allowed" in e["OriginalMessage"]
    assert e["LogStreamArn"] == (f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:"
                                 f"/aws/sagemaker/Endpoints/{endpoint}")
    msg = e["Error"]["Message"]
    assert msg.startswith('Received server error (500) from primary with message "'), msg
    assert msg.endswith(f'". See https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1'
                        f'#logEventViewer:group=/aws/sagemaker/Endpoints/{endpoint} in account '
                        f'{ACCOUNT} for more information.'), msg


def test_oversized_body_413(endpoint, rt):
    with pytest.raises(ClientError) as ei:
        rt.invoke_endpoint(EndpointName=endpoint, ContentType="text/csv", Body=b"1" * (7 << 20))
    assert ei.value.response["ResponseMetadata"]["HTTPStatusCode"] == 413


def test_unknown_endpoint_and_variant(endpoint, rt):
    with pytest.raises(ClientError) as ei:
        rt.invoke_endpoint(EndpointName="no-such-endpoint", ContentType="text/csv", Body=b"1,2,3,4")
    assert ei.value.response["Error"]["Code"] == "ValidationError"
    assert ei.value.response["Error"]["Message"] == \
        f"Endpoint no-such-endpoint of account {ACCOUNT} not found."
    with pytest.raises(ClientError) as ei:
        rt.invoke_endpoint(EndpointName=endpoint, ContentType="text/csv", Body=b"1,2,3,4",
                           TargetVariant="Nope")
    assert ei.value.response["Error"]["Code"] == "ValidationError"


def test_logs_in_cloudwatch(endpoint, rt, server):
    logs = server.client("logs")
    rt.invoke_endpoint(EndpointName=endpoint, ContentType="text/csv", Body=b"5.1,3.5,1.4,0.2")
    group = LOG_GROUP + endpoint
    deadline = time.monotonic() + 10
    while True:
        streams = [s["logStreamName"] for s in
                   logs.describe_log_streams(logGroupName=group)["logStreams"]]
        assert len(streams) == 1 and streams[0].startswith("AllTraffic/i-"), streams
        events = logs.get_log_events(logGroupName=group, logStreamName=streams[0],
                                     startFromHead=True)["events"]
        if any("POST /invocations" in e["message"] for e in events):
            break
        assert time.monotonic() < deadline, [e["message"] for e in events]
        time.sleep(0.3)


@pytest.mark.timeout(120)
def test_killed_instance_is_restarted(endpoint, rt, server, iris):
    pids = serving_pids(server.data_dir, endpoint)
    assert pids
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + 10
    while set(serving_pids(server.data_dir, endpoint)) & set(pids):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    r = invoke_until_ok(rt, endpoint, csv_body(iris["rows"][:3]))
    assert [int(float(x)) for x in r["Body"].read().decode().split()] == iris["expected"][:3]
    new = serving_pids(server.data_dir, endpoint)
    assert new and not set(new) & set(pids)


@pytest.mark.timeout(180)
def test_update_while_invoking(endpoint, sm, rt, server, bucket, iris):
    """UpdateEndpoint (blue/green) while a thread invokes: no call fails."""
    errors, calls = [], [0]
    stop = threading.Event()

    def loop():
        while not stop.is_set():
            try:
                r = rt.invoke_endpoint(EndpointName=endpoint, ContentType="text/csv",
                                       Body=b"5.1,3.5,1.4,0.2")
                r["Body"].read()
                calls[0] += 1
            except Exception as e:  # noqa: BLE001 — every failure counts
                errors.append(repr(e))

    old_pids = serving_pids(server.data_dir, endpoint)
    model = make_model(sm, server.client("s3"), bucket, iris)
    cfg = make_config(sm, [("Blue", model, 1.0, 2)])
    t = threading.Thread(target=loop)
    t.start()
    try:
        time.sleep(0.5)
        sm.update_endpoint(EndpointName=endpoint, EndpointConfigName=cfg)
        assert sm.describe_endpoint(EndpointName=endpoint)["EndpointStatus"] == "Updating"
        d = wait_in_service(sm, endpoint)
        time.sleep(3)  # past the old generation's drain and stop
    finally:
        stop.set()
        t.join()
    assert not errors, errors[:5]
    assert calls[0] > 20
    assert d["EndpointConfigName"] == cfg
    assert [v["VariantName"] for v in d["ProductionVariants"]] == ["Blue"]
    assert "PendingDeploymentSummary" not in d
    r = rt.invoke_endpoint(EndpointName=endpoint, ContentType="text/csv", Body=b"5.1,3.5,1.4,0.2")
    assert r["InvokedProductionVariant"] == "Blue"
    deadline = time.monotonic() + 15
    while set(serving_pids(server.data_dir, endpoint)) & set(old_pids):
        assert time.monotonic() < deadline, "the old generation is still running"
        time.sleep(0.2)
    assert len(set(serving_procs(endpoint).values())) == 2


@pytest.mark.timeout(180)
def test_failed_update_rolls_back(endpoint, sm, rt, server, bucket, iris):
    before = sm.describe_endpoint(EndpointName=endpoint)
    broken = make_model(sm, server.client("s3"), bucket, iris, code=BROKEN_PY)
    cfg = make_config(sm, [("Broken", broken, 1.0, 1)])
    sm.update_endpoint(EndpointName=endpoint, EndpointConfigName=cfg)
    time.sleep(0.5)
    d = wait_status(sm, endpoint, ("InService",))
    assert d["EndpointConfigName"] == before["EndpointConfigName"]
    assert "did not pass the ping health check" in d["FailureReason"]
    assert "the model cannot be loaded on purpose" in d["FailureReason"]
    assert "PendingDeploymentSummary" not in d
    r = rt.invoke_endpoint(EndpointName=endpoint, ContentType="text/csv", Body=b"5.1,3.5,1.4,0.2")
    assert r["InvokedProductionVariant"] == before["ProductionVariants"][0]["VariantName"]


# ---- two variants ---------------------------------------------------------------

@pytest.mark.timeout(240)
def test_weighted_variants(sm, rt, server, bucket, iris):
    model = make_model(sm, server.client("s3"), bucket, iris)
    name = deploy(sm, server.client("s3"), bucket, iris,
                  variants=[("Big", model, 4.0, 1), ("Small", model, 1.0, 1)])
    body = b"5.1,3.5,1.4,0.2"
    seen = {"Big": 0, "Small": 0}
    for _ in range(2000):
        r = rt.invoke_endpoint(EndpointName=name, ContentType="text/csv", Body=body)
        r["Body"].read()
        seen[r["InvokedProductionVariant"]] += 1
    share = seen["Big"] / 2000
    assert 0.75 <= share <= 0.85, seen

    for _ in range(20):
        r = rt.invoke_endpoint(EndpointName=name, ContentType="text/csv", Body=body,
                               TargetVariant="Small")
        assert r["InvokedProductionVariant"] == "Small"

    sm.update_endpoint_weights_and_capacities(EndpointName=name, DesiredWeightsAndCapacities=[
        {"VariantName": "Big", "DesiredWeight": 0.0}, {"VariantName": "Small", "DesiredWeight": 1.0}])
    d = wait_in_service(sm, name)
    assert {v["VariantName"]: v["CurrentWeight"] for v in d["ProductionVariants"]} == \
        {"Big": 0.0, "Small": 1.0}
    for _ in range(50):
        r = rt.invoke_endpoint(EndpointName=name, ContentType="text/csv", Body=body)
        assert r["InvokedProductionVariant"] == "Small"

    # A capacity change deploys a new generation with the new count.
    sm.update_endpoint_weights_and_capacities(EndpointName=name, DesiredWeightsAndCapacities=[
        {"VariantName": "Small", "DesiredInstanceCount": 2}])
    d = wait_in_service(sm, name)
    small = [v for v in d["ProductionVariants"] if v["VariantName"] == "Small"][0]
    assert small["CurrentInstanceCount"] == 2
    deadline = time.monotonic() + 15
    while len(set(serving_procs(name).values())) != 3:
        assert time.monotonic() < deadline, serving_procs(name)
        time.sleep(0.2)
    sm.delete_endpoint(EndpointName=name)


@pytest.mark.timeout(120)
def test_code_from_s3_sourcedir(sm, rt, server, bucket, iris):
    s3 = server.client("s3")
    model = make_model(sm, s3, bucket, iris, sourcedir=True)
    name = deploy(sm, s3, bucket, iris, variants=[("AllTraffic", model, 1.0, 1)])
    r = rt.invoke_endpoint(EndpointName=name, ContentType="text/csv", Accept="application/json",
                           Body=csv_body(iris["rows"]))
    assert [int(x) for x in json.loads(r["Body"].read())] == iris["expected"]
    sm.delete_endpoint(EndpointName=name)


# ---- failures -------------------------------------------------------------------

def test_unmapped_image_fails_endpoint(sm, server, bucket, iris):
    model = make_model(sm, server.client("s3"), bucket, iris, image="example.com/my/server:1")
    name = uniq("ep")
    sm.create_endpoint(EndpointName=name, EndpointConfigName=make_config(sm, [("AllTraffic", model, 1.0, 1)]))
    d = wait_status(sm, name, ("Failed", "InService"), timeout=30)
    assert d["EndpointStatus"] == "Failed"
    assert "example.com/my/server:1" in d["FailureReason"] and "--runtime-map" in d["FailureReason"]


@pytest.mark.timeout(120)
def test_model_fn_failure_fails_endpoint(sm, server, bucket, iris):
    model = make_model(sm, server.client("s3"), bucket, iris, code=BROKEN_PY)
    name = uniq("ep")
    sm.create_endpoint(EndpointName=name, EndpointConfigName=make_config(sm, [("AllTraffic", model, 1.0, 1)]))
    with pytest.raises(WaiterError):
        wait_in_service(sm, name)
    d = sm.describe_endpoint(EndpointName=name)
    assert d["EndpointStatus"] == "Failed"
    reason = d["FailureReason"]
    assert reason.startswith("The primary container for production variant AllTraffic did not pass "
                             "the ping health check. Please check CloudWatch logs for this endpoint."), reason
    assert "RuntimeError: the model cannot be loaded on purpose" in reason
    assert not serving_pids(server.data_dir, name)
    sm.delete_endpoint(EndpointName=name)
    sm.get_waiter("endpoint_deleted").wait(EndpointName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 30})


def test_missing_model_data_fails_endpoint(sm, server, bucket, iris):
    model = make_model(sm, server.client("s3"), bucket, iris, model_data=False)
    name = uniq("ep")
    sm.create_endpoint(EndpointName=name, EndpointConfigName=make_config(sm, [("AllTraffic", model, 1.0, 1)]))
    d = wait_status(sm, name, ("Failed", "InService"), timeout=30)
    assert d["EndpointStatus"] == "Failed"
    assert d["FailureReason"] == (
        f'Failed to download model data for container "primary" from URL: '
        f'"s3://{bucket}/{model}/model.tar.gz". Please ensure that there is an object located at '
        f'the URL and that the role passed to CreateModel has permissions to download the object.')


@pytest.mark.timeout(120)
def test_delete_stops_processes(sm, rt, server, bucket, iris):
    name = deploy(sm, server.client("s3"), bucket, iris,
                  variants=[("AllTraffic", make_model(sm, server.client("s3"), bucket, iris), 1.0, 2)])
    assert serving_pids(server.data_dir, name)
    sm.delete_endpoint(EndpointName=name)
    with pytest.raises(ClientError):
        rt.invoke_endpoint(EndpointName=name, ContentType="text/csv", Body=b"5.1,3.5,1.4,0.2")
    sm.get_waiter("endpoint_deleted").wait(EndpointName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    assert not serving_pids(server.data_dir, name)
    assert not (server.data_dir / "endpoints" / ACCOUNT / name).exists()


# ---- a user-mapped image ---------------------------------------------------------

@pytest.mark.timeout(120)
def test_mapped_image_serves(start_daemon, tmp_path):
    """An image mapped with --runtime-map runs as `<command> serve`; headers
    pass through both ways; its 400 is a ModelError "client error"."""
    rmap = tmp_path / "runtimes.conf"
    rmap.write_text(f"local/echo-server:* {REPO / 'tests/sdk/echo_server.py'}\n")
    d = start_daemon("--executor", "host", "--runtime-map", str(rmap))
    sm, s3, rt = d.client("sagemaker"), d.client("s3"), d.client("sagemaker-runtime")
    bucket = uniq("mapped")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="echo/model.tar.gz", Body=tar_gz({"echo.txt": "model:"}))
    sm.create_model(ModelName="echo", ExecutionRoleArn=ROLE, PrimaryContainer={
        "Image": "local/echo-server:1", "ModelDataUrl": f"s3://{bucket}/echo/model.tar.gz"})
    sm.create_endpoint(EndpointName="echo", EndpointConfigName=make_config(sm, [("Main", "echo", 1.0, 1)]))
    wait_in_service(sm, "echo")
    r = rt.invoke_endpoint(EndpointName="echo", ContentType="application/x-thing; v=1", Body=b"hello",
                           CustomAttributes="trace=1")
    assert r["Body"].read() == b"model:hello"
    assert r["ContentType"] == "application/x-thing; v=1"
    assert r["CustomAttributes"] == "echo:trace=1"
    assert r["InvokedProductionVariant"] == "Main"
    with pytest.raises(ClientError) as ei:
        rt.invoke_endpoint(EndpointName="echo", ContentType="text/plain", Body=b"status:400")
    e = ei.value.response
    assert e["OriginalStatusCode"] == 400 and e["OriginalMessage"] == "refused: status:400"
    assert e["Error"]["Message"].startswith(
        'Received client error (400) from primary with message "refused: status:400". See https://')


# ---- the SageMaker SDK ------------------------------------------------------------

@pytest.mark.timeout(300)
def test_sdk_sklearn_deploy_and_predict(server):
    """The course's iris notebook through SDK v2: fit, deploy, predict
    (x-npy in, x-npy out), CSV, delete_endpoint.  About 40 s: the SDK
    sleeps 30 s before its first DescribeEndpoint."""
    python = REPO / ".venv-sdk2" / "bin" / "python"
    assert python.exists(), f"{python} missing: run scripts/install-deps.sh --test"
    env = env_from_sagelite(server)
    env["SAGEMAKER_SUPPRESS_V2_WARNING"] = "1"
    proc = subprocess.run([str(python), str(REPO / "tests/sdk/sklearn_deploy.py")], env=env,
                          capture_output=True, text=True, timeout=280)
    assert proc.returncode == 0, proc.stderr[-3000:]
    r = json.loads(proc.stdout.strip().splitlines()[-1])
    assert r["error"] is None, r["error"] + "\n" + proc.stderr[-3000:]
    assert r["blocked"] == [], r["blocked"]
    labels = [int(x) for x in (IRIS / "test-labels.csv").read_text().split()][:len(r["predictions"])]
    assert sum(p == want for p, want in zip(r["predictions"], labels)) >= 0.8 * len(labels)
    assert [int(row[0]) for row in r["csv_predictions"]] == [int(p) for p in r["predictions"]]
    server.client("sagemaker").get_waiter("endpoint_deleted").wait(
        EndpointName=r["endpoint"], WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    assert not serving_procs(r["endpoint"])


# ---- daemon restart -------------------------------------------------------------

@pytest.mark.timeout(180)
def test_kill9_restart_serves_again(start_daemon, iris):
    d = start_daemon("--executor", "host", "--python", "/usr/bin/python3")
    sm, s3 = d.client("sagemaker"), d.client("s3")
    bucket = uniq("restart")
    s3.create_bucket(Bucket=bucket)
    name = deploy(sm, s3, bucket, iris)
    before = serving_pids(d.data_dir, name)
    assert before
    d.restart(kill9=True)
    # The old processes die with the daemon.
    deadline = time.monotonic() + 10
    while set(serving_pids(d.data_dir, name)) & set(before):
        assert time.monotonic() < deadline, "serving processes outlived the daemon"
        time.sleep(0.1)
    r = invoke_until_ok(d.client("sagemaker-runtime"), name, csv_body(iris["rows"][:5]))
    assert [int(float(x)) for x in r["Body"].read().decode().split()] == iris["expected"][:5]
    assert d.client("sagemaker").describe_endpoint(EndpointName=name)["EndpointStatus"] == "InService"
