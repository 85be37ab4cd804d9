"""Batch transform jobs run for real by a daemon started with `--executor
host` (jobs/transform.c): the model's serving processes are started as an
endpoint's are, the input objects are split, batched, sent to them and the
answers stored as `<key>.out` objects under S3OutputPath.

* The course's scikit-learn iris tree over ten CSV files (SplitType Line):
  MultiRecord and SingleRecord, every `test-NN.csv.out` equal to the
  labels; sub-folder keys kept; AssembleWith Line vs None; DataProcessing
  (InputFilter `$[1:]` on rows carrying an id, JoinSource Input with an
  OutputFilter); a ManifestFile input; Gzip input; a handler that raises
  for one file (Failed naming it, the other .out objects written);
  StopTransformJob of a slow job (Stopped, no serving process left); the
  logs in /aws/sagemaker/TransformJobs; a record larger than
  MaxPayloadInMB.
* The built-in XGBoost (issue 6): the Boston flow with boto3 low-level
  calls (CreateTrainingJob with the course hyperparameters as strings,
  CreateModel, CreateTransformJob MultiRecord / Line / text/csv /
  MaxPayloadInMB 6): `test.csv.out` has one prediction per input line, in
  order, equal within 1e-6 to Python xgboost's on the same xgboost-model;
  and the SDK v2 `estimator.transformer(...).transform(..., split_type=
  'Line')` + `wait()` path (tests/sdk/xgboost_transform.py).
* Bad input: an unknown model, an input prefix with no objects, a missing
  output bucket."""
import gzip
import json
import os
import subprocess
import time
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from conftest import REPO, SAGELITE_BIN
from test_endpoints import INFERENCE_PY, IRIS, SKLEARN_IMAGE, make_model, read_csv, uniq
from test_endpoints import iris  # noqa: F401  (the trained tree, a module fixture)
from test_sdk_env import env_from_sagelite

ACCOUNT = "000000000000"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/SageMakerRole"
LOG_GROUP = "/aws/sagemaker/TransformJobs"
SYS_PYTHON = "/usr/bin/python3"
XGB_PROGRAM = Path(os.path.realpath(SAGELITE_BIN)).parent / "sagelite-xgboost"
DONE = ("Completed", "Failed", "Stopped")

# predict_fn refuses negative features (INFERENCE_PY), so a file holding
# one negative row fails; this one also sleeps when a feature is 99.
SLOW_PY = INFERENCE_PY + '''

import time as _time
_predict = predict_fn


def predict_fn(data, model):
    arr = np.asarray(data, dtype=float)
    if (arr == 99).any():
        _time.sleep(30)
    return _predict(data, model)
'''


@pytest.fixture(scope="module")
def server(module_daemon_factory):
    return module_daemon_factory("--executor", "host", "--python", SYS_PYTHON,
                                 "--health-timeout", "120", "--stop-grace", "2")


@pytest.fixture(scope="module")
def sm(server):
    return server.client("sagemaker")


@pytest.fixture(scope="module")
def s3(server):
    return server.client("s3")


@pytest.fixture(scope="module")
def logs(server):
    return server.client("logs")


@pytest.fixture(scope="module")
def bucket(s3):
    name = uniq("transform")
    s3.create_bucket(Bucket=name)
    return name


@pytest.fixture(scope="module")
def labels():
    return [int(x) for x in (IRIS / "test-labels.csv").read_text().split()]


@pytest.fixture(scope="module")
def iris_input(s3, bucket):
    """The ten test files under iris/in/ (one of them in a sub-folder)."""
    keys = []
    for i in range(10):
        name = f"test-{i:02d}.csv"
        key = f"iris/in/sub/{name}" if i == 9 else f"iris/in/{name}"
        s3.put_object(Bucket=bucket, Key=key, Body=(IRIS / name).read_bytes())
        keys.append(key)
    return keys


@pytest.fixture(scope="module")
def model(sm, s3, bucket, iris):  # noqa: F811
    return make_model(sm, s3, bucket, iris)


def wait_job(sm, name, timeout=180):
    deadline = time.monotonic() + timeout
    while True:
        d = sm.describe_transform_job(TransformJobName=name)
        if d["TransformJobStatus"] in DONE:
            return d
        assert time.monotonic() < deadline, f"{name} still {d['TransformJobStatus']} after {timeout}s"
        time.sleep(0.3)


def transform(sm, model, src, out, split="Line", strategy="MultiRecord", assemble=None,
              content_type="text/csv", accept="text/csv", data_type="S3Prefix", compression=None,
              processing=None, wait=True, **extra):
    name = uniq("tf")
    inp = {"DataSource": {"S3DataSource": {"S3DataType": data_type, "S3Uri": src}},
           "ContentType": content_type, "SplitType": split}
    if compression:
        inp["CompressionType"] = compression
    output = {"S3OutputPath": out}
    if assemble:
        output["AssembleWith"] = assemble
    if accept:
        output["Accept"] = accept
    req = dict(TransformJobName=name, ModelName=model, TransformInput=inp, TransformOutput=output,
               TransformResources={"InstanceType": "ml.m5.large", "InstanceCount": 1})
    if strategy:
        req["BatchStrategy"] = strategy
    if processing:
        req["DataProcessing"] = processing
    req.update(extra)
    sm.create_transform_job(**req)
    return wait_job(sm, name) if wait else name


def get(s3, bucket, key):
    return s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode()


def out_keys(s3, bucket, prefix):
    r = s3.list_objects_v2(Bucket=bucket, Prefix=prefix)
    return sorted(o["Key"] for o in r.get("Contents", []))


def expected_keys(prefix):
    return sorted([f"{prefix}/test-{i:02d}.csv.out" for i in range(9)] + [f"{prefix}/sub/test-09.csv.out"])


def check_iris_outputs(s3, bucket, prefix, labels):
    assert out_keys(s3, bucket, prefix + "/") == expected_keys(prefix)
    for i in range(10):
        key = f"{prefix}/sub/test-09.csv.out" if i == 9 else f"{prefix}/test-{i:02d}.csv.out"
        got = [int(float(x)) for x in get(s3, bucket, key).split()]
        assert got == labels[15 * i:15 * (i + 1)], (key, got)


# ---- iris ---------------------------------------------------------------------------

@pytest.mark.timeout(300)
def test_multirecord_line_matches_labels(sm, s3, logs, bucket, model, iris_input, labels):
    d = transform(sm, model, f"s3://{bucket}/iris/in/", f"s3://{bucket}/iris/out-multi",
                  assemble="Line", MaxConcurrentTransforms=2)
    assert d["TransformJobStatus"] == "Completed", d.get("FailureReason")
    assert d["TransformStartTime"] <= d["TransformEndTime"]
    assert d["BatchStrategy"] == "MultiRecord" and d["MaxPayloadInMB"] == 6
    check_iris_outputs(s3, bucket, "iris/out-multi", labels)

    # The logs: the serving process's own lines and the data log.
    streams = logs.describe_log_streams(logGroupName=LOG_GROUP,
                                        logStreamNamePrefix=d["TransformJobName"] + "/")["logStreams"]
    names = [s["logStreamName"] for s in streams]
    assert any(n.endswith("/data-log") for n in names), names
    text = []
    for n in names:
        ev = logs.get_log_events(logGroupName=LOG_GROUP, logStreamName=n, startFromHead=True)["events"]
        text += [e["message"] for e in ev]
    assert any("MaxConcurrentTransforms=2, MaxPayloadInMB=6, BatchStrategy=MULTI_RECORD" in t
               for t in text), text
    assert any("test-03.csv" in t for t in text), text


@pytest.mark.timeout(300)
def test_singlerecord_and_assemble_none(sm, s3, logs, bucket, model, iris_input, labels):
    # Two instances, three requests in flight on each.
    d = transform(sm, model, f"s3://{bucket}/iris/in/", f"s3://{bucket}/iris/out-single/",
                  strategy="SingleRecord", assemble="Line", MaxConcurrentTransforms=3,
                  TransformResources={"InstanceType": "ml.m5.large", "InstanceCount": 2})
    assert d["TransformJobStatus"] == "Completed", d.get("FailureReason")
    check_iris_outputs(s3, bucket, "iris/out-single", labels)
    streams = logs.describe_log_streams(logGroupName=LOG_GROUP,
                                        logStreamNamePrefix=d["TransformJobName"] + "/")["logStreams"]
    assert len([s for s in streams if not s["logStreamName"].endswith("/data-log")]) == 2, streams

    # AssembleWith None: the answers concatenated as they came.  The
    # scikit-learn container ends each CSV answer with a newline, so
    # SingleRecord answers still split into one line each; JSON answers
    # would not.
    d = transform(sm, model, f"s3://{bucket}/iris/in/test-00.csv", f"s3://{bucket}/iris/out-none",
                  strategy="SingleRecord", accept="application/json")
    assert d["TransformJobStatus"] == "Completed", d.get("FailureReason")
    body = get(s3, bucket, "iris/out-none/test-00.csv.out")
    assert "\n" not in body
    assert body.count("][") == 14, body
    d = transform(sm, model, f"s3://{bucket}/iris/in/test-00.csv", f"s3://{bucket}/iris/out-jsonline",
                  strategy="SingleRecord", accept="application/json", assemble="Line")
    body = get(s3, bucket, "iris/out-jsonline/test-00.csv.out")
    assert [json.loads(x)[0] for x in body.splitlines()] == labels[:15]


@pytest.mark.timeout(300)
def test_data_processing_filters_and_join(sm, s3, bucket, model, labels):
    rows = read_csv(IRIS / "test-01.csv")
    ided = "".join(f"id{k}," + ",".join(str(v) for v in r) + "\n" for k, r in enumerate(rows))
    s3.put_object(Bucket=bucket, Key="iris/ids/rows.csv", Body=ided.encode())
    d = transform(sm, model, f"s3://{bucket}/iris/ids/", f"s3://{bucket}/iris/out-ids", assemble="Line",
                  processing={"InputFilter": "$[1:]", "JoinSource": "Input", "OutputFilter": "$[0,-1]"})
    assert d["TransformJobStatus"] == "Completed", d.get("FailureReason")
    assert d["DataProcessing"] == {"InputFilter": "$[1:]", "JoinSource": "Input", "OutputFilter": "$[0,-1]"}
    lines = get(s3, bucket, "iris/out-ids/rows.csv.out").splitlines()
    assert [ln.split(",")[0] for ln in lines] == [f"id{k}" for k in range(15)]
    assert [int(float(ln.split(",")[1])) for ln in lines] == labels[15:30]

    # JoinSource Input alone keeps every input column, then the answer.
    d = transform(sm, model, f"s3://{bucket}/iris/ids/", f"s3://{bucket}/iris/out-join", assemble="Line",
                  processing={"InputFilter": "$[1:]", "JoinSource": "Input"})
    assert d["TransformJobStatus"] == "Completed", d.get("FailureReason")
    lines = get(s3, bucket, "iris/out-join/rows.csv.out").splitlines()
    assert lines[0].split(",")[:5] == ided.splitlines()[0].split(",")
    assert len(lines[0].split(",")) == 6

    # An index out of range fails the object with the filter's message.
    d = transform(sm, model, f"s3://{bucket}/iris/ids/", f"s3://{bucket}/iris/out-bad-filter",
                  assemble="Line", processing={"InputFilter": "$[7]"})
    assert d["TransformJobStatus"] == "Failed"
    assert "rows.csv" in d["FailureReason"] and "out of range" in d["FailureReason"], d["FailureReason"]


@pytest.mark.timeout(300)
def test_manifest_and_gzip_input(sm, s3, bucket, model, iris_input, labels):
    manifest = [{"prefix": f"s3://{bucket}/iris/in/"}, "test-02.csv", "sub/test-09.csv"]
    s3.put_object(Bucket=bucket, Key="iris/manifest.json", Body=json.dumps(manifest).encode())
    d = transform(sm, model, f"s3://{bucket}/iris/manifest.json", f"s3://{bucket}/iris/out-manifest",
                  data_type="ManifestFile", assemble="Line")
    assert d["TransformJobStatus"] == "Completed", d.get("FailureReason")
    assert out_keys(s3, bucket, "iris/out-manifest/") == ["iris/out-manifest/sub/test-09.csv.out",
                                                          "iris/out-manifest/test-02.csv.out"]
    got = [int(float(x)) for x in get(s3, bucket, "iris/out-manifest/test-02.csv.out").split()]
    assert got == labels[30:45]

    s3.put_object(Bucket=bucket, Key="iris/gz/test-04.csv.gz",
                  Body=gzip.compress((IRIS / "test-04.csv").read_bytes()))
    d = transform(sm, model, f"s3://{bucket}/iris/gz/", f"s3://{bucket}/iris/out-gz",
                  compression="Gzip", assemble="Line")
    assert d["TransformJobStatus"] == "Completed", d.get("FailureReason")
    got = [int(float(x)) for x in get(s3, bucket, "iris/out-gz/test-04.csv.gz.out").split()]
    assert got == labels[60:75]


@pytest.mark.timeout(300)
def test_failing_object_fails_the_job_others_written(sm, s3, bucket, model, labels):
    for i in (5, 6, 7):
        body = (IRIS / f"test-{i:02d}.csv").read_text()
        if i == 6:
            body = body.replace("5.", "-5.", 1)
        s3.put_object(Bucket=bucket, Key=f"iris/mixed/test-{i:02d}.csv", Body=body.encode())
    d = transform(sm, model, f"s3://{bucket}/iris/mixed/", f"s3://{bucket}/iris/out-mixed", assemble="Line")
    assert d["TransformJobStatus"] == "Failed"
    reason = d["FailureReason"]
    assert reason.startswith("ClientError: See job logs for more information"), reason
    assert f"{bucket}/iris/mixed/test-06.csv" in reason, reason
    assert "negative measurements are not allowed" in reason, reason
    assert out_keys(s3, bucket, "iris/out-mixed/") == ["iris/out-mixed/test-05.csv.out",
                                                       "iris/out-mixed/test-07.csv.out"]
    got = [int(float(x)) for x in get(s3, bucket, "iris/out-mixed/test-07.csv.out").split()]
    assert got == labels[105:120]


def serving_processes(data_dir, job):
    """pids whose command line or cwd lies in the job's directory."""
    root = str(Path(data_dir) / "transform" / ACCOUNT / job)
    pids = []
    for p in Path("/proc").iterdir():
        if not p.name.isdigit():
            continue
        try:
            if root in os.readlink(p / "cwd") or root in (p / "cmdline").read_bytes().decode(errors="replace"):
                pids.append(int(p.name))
        except OSError:
            pass
    return pids


@pytest.mark.timeout(300)
def test_stop_a_slow_job(sm, s3, server, bucket, iris):  # noqa: F811
    slow = make_model(sm, s3, bucket, iris, code=SLOW_PY)
    s3.put_object(Bucket=bucket, Key="iris/slow/a.csv", Body=b"99,99,99,99\n")
    name = transform(sm, slow, f"s3://{bucket}/iris/slow/", f"s3://{bucket}/iris/out-slow", wait=False)
    deadline = time.monotonic() + 120
    while not serving_processes(server.data_dir, name):
        assert time.monotonic() < deadline
        time.sleep(0.2)
    time.sleep(3)  # the request is in flight
    assert sm.describe_transform_job(TransformJobName=name)["TransformJobStatus"] == "InProgress"
    sm.stop_transform_job(TransformJobName=name)
    d = wait_job(sm, name, timeout=60)
    assert d["TransformJobStatus"] == "Stopped", d
    assert "TransformEndTime" in d
    assert out_keys(s3, bucket, "iris/out-slow/") == []
    deadline = time.monotonic() + 30
    while serving_processes(server.data_dir, name):
        assert time.monotonic() < deadline, "serving processes left after StopTransformJob"
        time.sleep(0.2)
    with pytest.raises(ClientError) as e:
        sm.stop_transform_job(TransformJobName=name)
    assert e.value.response["Error"]["Code"] == "ValidationException"


@pytest.mark.timeout(300)
def test_record_larger_than_max_payload(sm, s3, bucket, model):
    big = ",".join(["5.1"] * 400_000) + "\n"  # ~1.6 MB in one line
    s3.put_object(Bucket=bucket, Key="iris/big/big.csv", Body=big.encode())
    d = transform(sm, model, f"s3://{bucket}/iris/big/", f"s3://{bucket}/iris/out-big", MaxPayloadInMB=1)
    assert d["TransformJobStatus"] == "Failed"
    assert "iris/big/big.csv" in d["FailureReason"], d["FailureReason"]
    assert "MaxPayloadInMB" in d["FailureReason"], d["FailureReason"]


# ---- bad input -------------------------------------------------------------------------

def test_unknown_model_is_refused(sm, bucket):
    with pytest.raises(ClientError) as e:
        transform(sm, "no-such-model", f"s3://{bucket}/iris/in/", f"s3://{bucket}/x")
    assert e.value.response["Error"]["Code"] == "ValidationException"
    assert "Could not find model" in e.value.response["Error"]["Message"]


@pytest.mark.timeout(120)
def test_empty_prefix_and_missing_output_bucket(sm, bucket, model):
    d = transform(sm, model, f"s3://{bucket}/nothing-here/", f"s3://{bucket}/x")
    assert d["TransformJobStatus"] == "Failed"
    assert d["FailureReason"].startswith("ClientError: No S3 objects found under S3 URL"), d["FailureReason"]
    assert f's3://{bucket}/nothing-here/" given in input data source' in d["FailureReason"]
    assert f'the role "{ROLE}" has "s3:ListBucket" permissions on bucket "{bucket}"' in d["FailureReason"]

    d = transform(sm, model, f"s3://{bucket}/iris/in/", "s3://no-such-output-bucket-xyz/out")
    assert d["TransformJobStatus"] == "Failed"
    assert "no-such-output-bucket-xyz" in d["FailureReason"], d["FailureReason"]

    d = transform(sm, model, f"s3://{bucket}/iris/in/", f"s3://{bucket}/x",
                  TransformResources={"InstanceType": "ml.m5.large", "InstanceCount": 20})
    assert d["TransformJobStatus"] == "Failed"
    assert d["FailureReason"].startswith("ResourceLimitExceeded:"), d["FailureReason"]


# ---- built-in XGBoost (issue 6) -------------------------------------------------------

needs_xgb = pytest.mark.skipif(not XGB_PROGRAM.exists(), reason=f"{XGB_PROGRAM} not built")

COURSE_HPS = {"max_depth": "5", "eta": "0.2", "gamma": "4", "min_child_weight": "6",
              "subsample": "0.8", "objective": "reg:linear", "early_stopping_rounds": "10",
              "num_round": "200"}
LEGACY_IMAGE = "811284229777.dkr.ecr.us-east-1.amazonaws.com/xgboost:1"

PY_PREDICT = r"""
import json, sys
import numpy as np, xgboost as xgb
b = xgb.Booster()
b.load_model(sys.argv[1])
x = np.loadtxt(sys.argv[2], delimiter=",", dtype=np.float32, ndmin=2)
# The 0.72 image predicted with best_ntree_limit (serve.c does the same).
best = b.attr("best_iteration")
rng = (0, int(best) + 1) if best is not None else (0, 0)
print(json.dumps(b.predict(xgb.DMatrix(x), iteration_range=rng).tolist()))
"""


@pytest.fixture(scope="module")
def boston(s3, bucket):
    from test_xgboost import boston_rows, split, to_csv
    rows = boston_rows()
    train, rest = split(rows, 1, int(len(rows) * 0.67))
    validation, test = rest[:len(rest) // 2], rest[len(rest) // 2:]
    s3.put_object(Bucket=bucket, Key="boston/train/train.csv", Body=to_csv(train).encode())
    s3.put_object(Bucket=bucket, Key="boston/validation/validation.csv", Body=to_csv(validation).encode())
    s3.put_object(Bucket=bucket, Key="boston/test/test.csv", Body=to_csv(test, label=False).encode())
    return {"test": test, "test_csv": to_csv(test, label=False)}


@needs_xgb
@pytest.mark.timeout(400)
def test_boston_builtin_xgboost_low_level(sm, s3, bucket, boston, tmp_path):
    job = uniq("boston")
    chan = lambda name: {"ChannelName": name, "ContentType": "text/csv", "DataSource": {"S3DataSource": {  # noqa: E731
        "S3DataType": "S3Prefix", "S3Uri": f"s3://{bucket}/boston/{name}/",
        "S3DataDistributionType": "FullyReplicated"}}}
    sm.create_training_job(
        TrainingJobName=job, RoleArn=ROLE, HyperParameters=COURSE_HPS,
        AlgorithmSpecification={"TrainingImage": LEGACY_IMAGE, "TrainingInputMode": "File"},
        InputDataConfig=[chan("train"), chan("validation")],
        OutputDataConfig={"S3OutputPath": f"s3://{bucket}/boston/output"},
        ResourceConfig={"InstanceType": "ml.m4.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 5},
        StoppingCondition={"MaxRuntimeInSeconds": 300})
    sm.get_waiter("training_job_completed_or_stopped").wait(
        TrainingJobName=job, WaiterConfig={"Delay": 1, "MaxAttempts": 240})
    t = sm.describe_training_job(TrainingJobName=job)
    assert t["TrainingJobStatus"] == "Completed", t.get("FailureReason")
    artifacts = t["ModelArtifacts"]["S3ModelArtifacts"]
    sm.create_model(ModelName=job, ExecutionRoleArn=ROLE,
                    PrimaryContainer={"Image": LEGACY_IMAGE, "ModelDataUrl": artifacts})
    name = uniq("boston-tf")
    sm.create_transform_job(
        TransformJobName=name, ModelName=job, MaxConcurrentTransforms=1, MaxPayloadInMB=6,
        BatchStrategy="MultiRecord",
        TransformInput={"DataSource": {"S3DataSource": {"S3DataType": "S3Prefix",
                                                        "S3Uri": f"s3://{bucket}/boston/test/"}},
                        "ContentType": "text/csv", "SplitType": "Line"},
        TransformOutput={"S3OutputPath": f"s3://{bucket}/boston/transform/"},
        TransformResources={"InstanceType": "ml.m4.xlarge", "InstanceCount": 1})
    sm.get_waiter("transform_job_completed_or_stopped").wait(
        TransformJobName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 240})
    d = sm.describe_transform_job(TransformJobName=name)
    assert d["TransformJobStatus"] == "Completed", d.get("FailureReason")
    got = [float(x) for x in get(s3, bucket, "boston/transform/test.csv.out").split()]
    assert len(got) == len(boston["test"])

    y = [float(r[0]) for r in boston["test"]]
    rmse = (sum((a - b) ** 2 for a, b in zip(got, y)) / len(y)) ** 0.5
    assert 0.5 < rmse < 10, rmse

    import io
    import tarfile
    b, key = artifacts[len("s3://"):].split("/", 1)
    body = s3.get_object(Bucket=b, Key=key)["Body"].read()
    with tarfile.open(fileobj=io.BytesIO(body), mode="r:gz") as tar:
        (tmp_path / "xgboost-model").write_bytes(tar.extractfile("xgboost-model").read())
    (tmp_path / "test.csv").write_text(boston["test_csv"])
    p = subprocess.run([SYS_PYTHON, "-c", PY_PREDICT, tmp_path / "xgboost-model", tmp_path / "test.csv"],
                       capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        pytest.skip("Debian's python3-xgboost is not usable: " + p.stderr[-300:])
    ref = json.loads(p.stdout.strip().splitlines()[-1])
    assert len(ref) == len(got)
    for a, b2 in zip(got, ref):
        assert abs(a - b2) <= 1e-6 * max(1.0, abs(b2)), (a, b2)


@needs_xgb
@pytest.mark.timeout(500)
def test_sdk_v2_transformer(server, bucket, boston, tmp_path):
    python = REPO / ".venv-sdk2" / "bin" / "python"
    if not python.exists():
        pytest.skip(".venv-sdk2 is missing")
    env = env_from_sagelite(server)
    p = subprocess.run([str(python), str(REPO / "tests" / "sdk" / "xgboost_transform.py"), bucket],
                       env=env, capture_output=True, text=True, timeout=450, cwd=tmp_path)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
    result = json.loads(p.stdout.strip().splitlines()[-1])
    assert result["status"] == "Completed", result
    assert result["lines"] == len(boston["test"]), result
    assert result["logs_seen"], result


@pytest.mark.timeout(300)
def test_daemon_restart_fails_a_running_job(start_daemon, iris):  # noqa: F811
    d = start_daemon("--executor", "host", "--python", SYS_PYTHON, "--health-timeout", "120",
                     "--stop-grace", "2")
    sm, s3 = d.client("sagemaker"), d.client("s3")
    b = uniq("restart")
    s3.create_bucket(Bucket=b)
    slow = make_model(sm, s3, b, iris, code=SLOW_PY)
    s3.put_object(Bucket=b, Key="in/a.csv", Body=b"99,99,99,99\n")
    name = transform(sm, slow, f"s3://{b}/in/", f"s3://{b}/out", wait=False)
    deadline = time.monotonic() + 120
    while not serving_processes(d.data_dir, name):
        assert time.monotonic() < deadline
        time.sleep(0.2)
    d.restart(kill9=True)
    sm = d.client("sagemaker")
    desc = sm.describe_transform_job(TransformJobName=name)
    assert desc["TransformJobStatus"] == "Failed", desc
    assert "sagelite stopped while the transform job was running" in desc["FailureReason"]
