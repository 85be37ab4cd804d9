"""The built-in XGBoost algorithm (jobs/algorithms/xgboost: sagelite-xgboost
over libxgboost) run for real by a daemon started with `--executor host`.

* The course's Boston housing regression: image xgboost:1 (the legacy
  repository), CSV channels train and validation, the course's
  hyperparameters (reg:linear, early_stopping_rounds=10, num_round=200):
  Completed, train:rmse and validation:rmse in FinalMetricDataList with no
  MetricDefinitions given, the container's log lines, and a model that
  Debian's python3-xgboost loads and whose predictions equal those of the
  same training done in Python.
* binary:logistic with eval_metric auc on the 1.7-1 image: validation:auc,
  the best iteration kept (save_best), the user's own definitions merged.
* `sagelite-xgboost serve` on the trained model: /ping, CSV and JSON
  answers equal to Python's, the container's 415 / 400 / 406 answers.
* Bad input fails with ClientError messages: no num_round, an unknown
  hyperparameter, a header row, text in a numeric column, CSV sent without
  a ContentType (read as libsvm).

Python-side checks (numpy, xgboost) run in Debian's /usr/bin/python3 as a
subprocess: the test interpreter has neither."""
import csv
import json
import os
import random
import re
import select
import signal
import subprocess
import time
from pathlib import Path

import pytest
import requests

from conftest import SAGELITE_BIN
from test_training import log_messages, model_members, uniq, wait_job

ACCOUNT = "000000000000"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/SageMakerRole"
LEGACY_IMAGE = "811284229777.dkr.ecr.us-east-1.amazonaws.com/xgboost:1"
MODERN_IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"
SYS_PYTHON = "/usr/bin/python3"
SKLEARN_DATA = Path("/usr/lib/python3/dist-packages/sklearn/datasets/data")
XGB_PROGRAM = Path(os.path.realpath(SAGELITE_BIN)).parent / "sagelite-xgboost"
COURSE_HPS = {"max_depth": "5", "eta": "0.2", "gamma": "4", "min_child_weight": "6",
              "subsample": "0.8", "objective": "reg:linear", "early_stopping_rounds": "10",
              "num_round": "200"}

pytestmark = pytest.mark.skipif(not XGB_PROGRAM.exists(),
                                reason=f"{XGB_PROGRAM} not built (configured without libxgboost)")


def sys_python(code, *args, timeout=120):
    """Run code in Debian's python3 (numpy, xgboost); its last stdout line
    parsed as JSON."""
    p = subprocess.run([SYS_PYTHON, "-c", code, *map(str, args)], capture_output=True, text=True,
                       timeout=timeout)
    assert p.returncode == 0, p.stderr[-3000:]
    return json.loads(p.stdout.strip().splitlines()[-1])


def have_sys_xgboost():
    try:
        return subprocess.run([SYS_PYTHON, "-c", "import numpy, xgboost"], capture_output=True,
                              timeout=60).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


needs_sys_xgboost = pytest.mark.skipif(not have_sys_xgboost(),
                                       reason="Debian's python3-xgboost is not installed")


# ---- data -------------------------------------------------------------------

def boston_rows():
    """[(label, features)] of the Boston housing data: Debian's scikit-learn
    copy when present, else a generated stand-in with the same shape."""
    path = SKLEARN_DATA / "boston_house_prices.csv"
    if path.exists():
        with open(path) as f:
            rows = list(csv.reader(f))[2:]  # a count line, then the header
        return [(r[-1], r[:-1]) for r in rows]
    rng = random.Random(7)
    out = []
    for _ in range(506):
        x = [round(rng.uniform(0, 10), 3) for _ in range(13)]
        y = round(3 * x[0] - 2 * x[5] + x[12] * x[3] / 5 + rng.gauss(0, 1), 2)
        out.append((str(y), [str(v) for v in x]))
    return out


def cancer_rows():
    """[(label, features)] for a binary task: scikit-learn's breast cancer
    data when present, else generated."""
    path = SKLEARN_DATA / "breast_cancer.csv"
    if path.exists():
        with open(path) as f:
            rows = list(csv.reader(f))[1:]
        return [(r[-1], r[:-1]) for r in rows]
    rng = random.Random(11)
    out = []
    for _ in range(569):
        x = [round(rng.gauss(0, 1), 4) for _ in range(10)]
        y = int(x[0] + 0.5 * x[1] - x[2] + rng.gauss(0, 0.5) > 0)
        out.append((str(y), [str(v) for v in x]))
    return out


def to_csv(rows, label=True):
    return "".join(",".join(([y] if label else []) + x) + "\n" for y, x in rows)


def split(rows, seed, n_train):
    rows = list(rows)
    random.Random(seed).shuffle(rows)
    return rows[:n_train], rows[n_train:]


# ---- the daemon and jobs ---------------------------------------------------------

@pytest.fixture(scope="module")
def trainer(module_daemon_factory):
    return module_daemon_factory("--executor", "host")


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
    name = uniq("xgboost")
    s3.create_bucket(Bucket=name)
    return name


@pytest.fixture(scope="module")
def boston(s3, bucket):
    train, validation = split(boston_rows(), 1, 400)
    s3.put_object(Bucket=bucket, Key="boston/train/train.csv", Body=to_csv(train).encode())
    s3.put_object(Bucket=bucket, Key="boston/validation/validation.csv",
                  Body=to_csv(validation).encode())
    return {"train": train, "validation": validation,
            "train_uri": f"s3://{bucket}/boston/train/",
            "validation_uri": f"s3://{bucket}/boston/validation/"}


def channel(name, uri, content_type="text/csv"):
    c = {"ChannelName": name, "DataSource": {"S3DataSource": {
        "S3DataType": "S3Prefix", "S3Uri": uri, "S3DataDistributionType": "FullyReplicated"}}}
    if content_type:
        c["ContentType"] = content_type
    return c


def builtin_job(sm, bucket, job, hyperparameters, channels, image=LEGACY_IMAGE, **extra):
    """CreateTrainingJob as the SDK's generic Estimator does for the
    built-in algorithm (hyperparameters as str())."""
    request = dict(
        TrainingJobName=job, RoleArn=ROLE, HyperParameters=hyperparameters,
        AlgorithmSpecification={"TrainingImage": image, "TrainingInputMode": "File"},
        InputDataConfig=channels,
        OutputDataConfig={"S3OutputPath": f"s3://{bucket}/output"},
        ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 5},
        StoppingCondition={"MaxRuntimeInSeconds": 300})
    request["AlgorithmSpecification"].update(extra.pop("algorithm", {}))
    request.update(extra)
    sm.create_training_job(**request)
    return job


def metrics_of(desc):
    return {m["MetricName"]: m["Value"] for m in desc.get("FinalMetricDataList", [])}


# Train the same model in Python (the container's xgb.train call) and
# compare: argv = model file, train.csv, validation.csv, params JSON,
# num_round, early_stopping_rounds, rows to predict.
REFERENCE = r"""
import json, sys
import numpy as np, xgboost as xgb
model, train, val, params, rounds, esr, nrows = sys.argv[1:]
tr = np.loadtxt(train, delimiter=",", dtype=np.float32)
va = np.loadtxt(val, delimiter=",", dtype=np.float32)
dtr = xgb.DMatrix(tr[:, 1:], label=tr[:, 0])
dva = xgb.DMatrix(va[:, 1:], label=va[:, 0])
ref = xgb.train(json.loads(params), dtr, int(rounds), evals=[(dtr, "train"), (dva, "validation")],
                early_stopping_rounds=int(esr), verbose_eval=False)
got = xgb.Booster()
got.load_model(model)
rows = xgb.DMatrix(va[: int(nrows), 1:])
print(json.dumps({"ref": ref.predict(rows).tolist(), "got": got.predict(rows).tolist(),
                  "ref_rounds": ref.num_boosted_rounds(), "got_rounds": got.num_boosted_rounds(),
                  "ref_best": ref.best_iteration, "got_attrs": got.attributes(),
                  "ref_best_score": ref.best_score}))
"""


@pytest.fixture(scope="module")
def course_job(sm, s3, logs, bucket, boston):
    """The course's notebook job, run once for the tests that look at it."""
    job = builtin_job(sm, bucket, uniq("boston-xgboost"), COURSE_HPS,
                      [channel("train", boston["train_uri"]),
                       channel("validation", boston["validation_uri"])])
    d = wait_job(sm, job, timeout=180)
    return {"desc": d, "job": job}


@pytest.mark.timeout(240)
def test_course_regression_completes_with_builtin_metrics(course_job, logs):
    d = course_job["desc"]
    assert d["TrainingJobStatus"] == "Completed", d.get("FailureReason")
    assert "MetricDefinitions" not in d["AlgorithmSpecification"] or \
        not d["AlgorithmSpecification"]["MetricDefinitions"]
    m = metrics_of(d)
    assert {"train:rmse", "validation:rmse"} <= set(m), d.get("FinalMetricDataList")
    assert 0 < m["validation:rmse"] < 10 and 0 < m["train:rmse"] < m["validation:rmse"] + 5

    lines = log_messages(logs, course_job["job"])
    evals = [ln for ln in lines if re.match(r"\[\d+\]#011train-rmse:", ln)]
    assert evals and evals[0].startswith("[0]#011train-rmse:"), lines[:20]
    assert re.fullmatch(r"\[0\]#011train-rmse:[0-9.]+#011validation-rmse:[0-9.]+", evals[0]), evals[0]
    assert "Will train until validation-rmse hasn't improved in 10 rounds." in lines
    assert "INFO:root:Single node training." in lines
    assert "INFO:root:Train matrix has 400 rows" in lines
    assert any("reg:linear is now deprecated" in ln for ln in lines)
    if "Stopping. Best iteration:" in lines:
        # The best round is printed again last: the final metric is its.
        best = lines[lines.index("Stopping. Best iteration:") + 1]
        assert float(best.rsplit(":", 1)[1]) == m["validation:rmse"], (best, m)


@needs_sys_xgboost
@pytest.mark.timeout(240)
def test_course_model_loads_in_python_and_predicts_like_python(course_job, s3, boston, tmp_path):
    d = course_job["desc"]
    assert d["TrainingJobStatus"] == "Completed", d.get("FailureReason")
    members = model_members(s3, d)
    assert list(members) == ["xgboost-model"], sorted(members)
    model = tmp_path / "xgboost-model"
    model.write_bytes(members["xgboost-model"])
    (tmp_path / "train.csv").write_text(to_csv(boston["train"]))
    (tmp_path / "validation.csv").write_text(to_csv(boston["validation"]))
    params = {k: v for k, v in COURSE_HPS.items() if k not in ("num_round", "early_stopping_rounds")}
    params = {k: (v if k == "objective" else float(v)) for k, v in params.items()}
    params["max_depth"] = int(params["max_depth"])
    r = sys_python(REFERENCE, model, tmp_path / "train.csv", tmp_path / "validation.csv",
                   json.dumps(params), 200, 10, 8)
    assert len(r["got"]) == 8
    for ref, got in zip(r["ref"], r["got"]):
        assert abs(ref - got) <= 1e-6, (r["ref"], r["got"])
    # The 0.72 image kept every round on early stopping, with the best noted.
    assert r["got_rounds"] == r["ref_rounds"]
    assert int(r["got_attrs"]["best_iteration"]) == r["ref_best"]
    assert r["got_attrs"]["best_ntree_limit"] == str(r["ref_best"] + 1)
    assert abs(float(r["got_attrs"]["best_score"]) - r["ref_best_score"]) < 1e-9


@pytest.mark.timeout(240)
def test_binary_logistic_auc_and_user_definitions(sm, s3, logs, bucket):
    train, validation = split(cancer_rows(), 3, 450)
    s3.put_object(Bucket=bucket, Key="cancer/train/part-0.csv", Body=to_csv(train[:200]).encode())
    s3.put_object(Bucket=bucket, Key="cancer/train/more/part-1.csv", Body=to_csv(train[200:]).encode())
    s3.put_object(Bucket=bucket, Key="cancer/validation/v.csv", Body=to_csv(validation).encode())
    job = builtin_job(
        sm, bucket, uniq("cancer-xgboost"),
        {"objective": "binary:logistic", "eval_metric": "logloss,auc", "num_round": "50",
         "early_stopping_rounds": "5", "max_depth": "3"},
        [channel("train", f"s3://{bucket}/cancer/train/", "csv"),
         channel("validation", f"s3://{bucket}/cancer/validation/", "text/csv; label_size=1")],
        image=MODERN_IMAGE,
        algorithm={"MetricDefinitions": [
            {"Name": "my:logloss", "Regex": r"validation-logloss:([0-9.]+)"}]})
    d = wait_job(sm, job, timeout=180)
    assert d["TrainingJobStatus"] == "Completed", d.get("FailureReason")
    m = metrics_of(d)
    assert {"train:auc", "validation:auc", "train:logloss", "validation:logloss", "my:logloss"} <= set(m), m
    assert 0.9 < m["validation:auc"] <= 1.0
    assert m["my:logloss"] == pytest.approx(m["validation:logloss"], abs=1e-5)
    lines = log_messages(logs, job)
    assert "INFO:root:Train matrix has 450 rows" in lines
    first = next(ln for ln in lines if ln.startswith("[0]#011"))
    # The 1.x images print %.5f, train metrics then validation metrics.
    assert re.fullmatch(r"\[0\]#011train-logloss:\d\.\d{5}#011train-auc:\d\.\d{5}"
                        r"#011validation-logloss:\d\.\d{5}#011validation-auc:\d\.\d{5}", first), first
    assert "Will train until validation-auc hasn't improved in 5 rounds." in lines
    if have_sys_xgboost():
        model = model_members(s3, d)["xgboost-model"]
        path = Path(f"/tmp/{job}.model")
        path.write_bytes(model)
        try:
            r = sys_python("import json, sys, xgboost as xgb\n"
                           "b = xgb.Booster(); b.load_model(sys.argv[1])\n"
                           "print(json.dumps({'rounds': b.num_boosted_rounds(), 'attrs': b.attributes()}))",
                           path)
        finally:
            path.unlink()
        # EarlyStopping(save_best=True): the model ends at the best round.
        assert r["rounds"] == int(r["attrs"]["best_iteration"]) + 1, r


def test_libsvm_is_the_default_content_type(sm, s3, bucket):
    rng = random.Random(5)
    lines = []
    for _ in range(300):
        x = [rng.random() for _ in range(4)]
        lines.append(f"{2 * x[0] + x[3]:.4f} " + " ".join(f"{i}:{v:.4f}" for i, v in enumerate(x) if v > 0.2))
    s3.put_object(Bucket=bucket, Key="svm/train/data.libsvm", Body="\n".join(lines).encode())
    job = builtin_job(sm, bucket, uniq("libsvm-xgboost"), {"num_round": "5", "eval_metric": "mae"},
                      [channel("train", f"s3://{bucket}/svm/train/", None)], image=MODERN_IMAGE)
    d = wait_job(sm, job, timeout=120)
    assert d["TrainingJobStatus"] == "Completed", d.get("FailureReason")
    assert "train:mae" in metrics_of(d), d.get("FinalMetricDataList")


# ---- bad input ----------------------------------------------------------------------

BAD = {
    "no-num-round": ({k: v for k, v in COURSE_HPS.items() if k != "num_round"}, None,
                     "ClientError: Missing required hyperparameter: num_round"),
    "unknown-hp": (dict(COURSE_HPS, silent="0"), None,
                   "ClientError: Extraneous hyperparameter found: silent"),
    "out-of-range": (dict(COURSE_HPS, eta="1.5"), None,
                     "ClientError: Hyperparameter eta: 1.5 is not in [0, 1]"),
    "header-row": (COURSE_HPS, "MEDV,CRIM,ZN\n24,0.1,18\n21.6,0.2,0\n",
                   "it looks like a header row"),
    "text-in-column": (COURSE_HPS, "24,0.1,18\n21.6,abc,0\n",
                       "Line 2 of file 'data.csv' in channel train, column 2: 'abc' is not a number"),
    "ragged-rows": (COURSE_HPS, "24,0.1,18\n21.6,0.2\n",
                    "Line 2 of file 'data.csv' in channel train has 2 columns, but line 1"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_fails_with_a_client_error(sm, s3, bucket, boston, case):
    hps, data, expected = BAD[case]
    job = uniq(f"bad-{case}")
    train_uri = boston["train_uri"]
    if data is not None:
        s3.put_object(Bucket=bucket, Key=f"{job}/train/data.csv", Body=data.encode())
        train_uri = f"s3://{bucket}/{job}/train/"
    builtin_job(sm, bucket, job, hps, [channel("train", train_uri)])
    d = wait_job(sm, job, timeout=60)
    assert d["TrainingJobStatus"] == "Failed"
    assert expected in d["FailureReason"], d["FailureReason"]
    assert d["FailureReason"].startswith("AlgorithmError: ClientError: "), d["FailureReason"]


def test_csv_without_content_type_is_read_as_libsvm(sm, bucket, boston):
    job = builtin_job(sm, bucket, uniq("noct-xgboost"), COURSE_HPS,
                      [channel("train", boston["train_uri"], None)])
    d = wait_job(sm, job, timeout=60)
    assert d["TrainingJobStatus"] == "Failed"
    assert "is not LIBSVM format" in d["FailureReason"], d["FailureReason"]
    assert "set ContentType to text/csv" in d["FailureReason"], d["FailureReason"]


def test_script_mode_image_with_a_program_is_not_the_builtin(sm, bucket, boston):
    """sagemaker-xgboost with sagemaker_program is script mode: it needs the
    program's source, not the algorithm's hyperparameters."""
    job = builtin_job(sm, bucket, uniq("script-xgboost"),
                      {"sagemaker_program": json.dumps("train.py"), "num_round": "5"},
                      [channel("train", boston["train_uri"])], image=MODERN_IMAGE)
    d = wait_job(sm, job, timeout=60)
    assert d["TrainingJobStatus"] == "Failed"
    assert "train.py" in d["FailureReason"], d["FailureReason"]


# ---- serve ------------------------------------------------------------------------------

class Server:
    def __init__(self, model_dir, env=None):
        e = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "SAGEMAKER_BIND_TO_PORT": "0",
             "SM_MODEL_DIR": str(model_dir)}
        e.update(env or {})
        self.proc = subprocess.Popen([str(XGB_PROGRAM), "serve"], stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, env=e)
        self.out = b""
        self.port = None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and b"ready" not in self.out:
            r, _, _ = select.select([self.proc.stdout], [], [], 1)
            if r:
                chunk = os.read(self.proc.stdout.fileno(), 4096)
                if not chunk:
                    break
                self.out += chunk
        m = re.search(rb"listening on 127\.0\.0\.1:(\d+)", self.out)
        assert m and b"ready" in self.out, self.out.decode(errors="replace")
        self.url = f"http://127.0.0.1:{int(m.group(1))}"

    def post(self, body, content_type="text/csv", accept=None):
        headers = {"Content-Type": content_type} if content_type else {}
        if accept:
            headers["Accept"] = accept
        return requests.post(self.url + "/invocations", data=body, headers=headers, timeout=30)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        rc = self.proc.wait(timeout=10)
        self.proc.stdout.close()
        return rc


@needs_sys_xgboost
@pytest.mark.timeout(240)
def test_serve_answers_like_python(course_job, s3, boston, tmp_path):
    d = course_job["desc"]
    assert d["TrainingJobStatus"] == "Completed", d.get("FailureReason")
    model_dir = tmp_path / "model"
    model_dir.mkdir()
    (model_dir / "xgboost-model").write_bytes(model_members(s3, d)["xgboost-model"])
    rows = boston["validation"][:5]
    (tmp_path / "rows.csv").write_text(to_csv(rows, label=False))
    ref = sys_python("import json, sys, numpy as np, xgboost as xgb\n"
                     "b = xgb.Booster(); b.load_model(sys.argv[1])\n"
                     "x = np.loadtxt(sys.argv[2], delimiter=',', dtype=np.float32, ndmin=2)\n"
                     "print(json.dumps([str(float(p)) for p in b.predict(xgb.DMatrix(x))]))",
                     model_dir / "xgboost-model", tmp_path / "rows.csv")
    srv = Server(model_dir)
    try:
        assert requests.get(srv.url + "/ping", timeout=10).status_code == 200
        r = srv.post(to_csv(rows, label=False))
        assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv"), r.text
        assert r.text.splitlines() == ref  # one prediction a line, Python's str()
        r = srv.post(to_csv(rows, label=False), accept="application/json")
        assert r.status_code == 200, r.text
        assert [p["score"] for p in r.json()["predictions"]] == [float(v) for v in ref]
        libsvm = "".join(" ".join(f"{i}:{v}" for i, v in enumerate(x)) + "\n" for _, x in rows)
        r = srv.post(libsvm, content_type="text/libsvm")
        assert r.status_code == 200 and r.text.splitlines() == ref, r.text
        assert srv.post("").status_code == 204
        r = srv.post('{"instances": [1]}', content_type="application/json")
        assert r.status_code == 415 and "is not an accepted ContentType" in r.text, r.text
        r = srv.post("1,2,abc\n")
        assert r.status_code == 415 and "could not convert string to float: 'abc'" in r.text, r.text
        r = srv.post(to_csv(rows))  # the label column left in
        assert r.status_code == 400 and r.text.startswith("Unable to evaluate payload provided"), r.text
        assert srv.post(to_csv(rows, label=False), accept="image/png").status_code == 406
        ep = requests.get(srv.url + "/execution-parameters", timeout=10).json()
        assert ep["BatchStrategy"] == "MULTI_RECORD" and ep["MaxPayloadInMB"] == 6
    finally:
        assert srv.stop() == 0
    # The 0.72 image answered on one comma-separated line.
    legacy = Server(model_dir, env={"SAGELITE_XGBOOST_IMAGE": LEGACY_IMAGE})
    try:
        r = legacy.post(to_csv(rows, label=False))
        assert r.status_code == 200 and len(r.text.strip().split(",")) == 5, r.text
    finally:
        assert legacy.stop() == 0


@pytest.mark.timeout(240)
def test_course_model_deploys_and_predicts_csv(course_job, sm, trainer, boston):
    """The trained built-in model behind an endpoint: text/csv rows in, one
    prediction per line out (the legacy image answers one comma-separated
    line), close to the labels."""
    d = course_job["desc"]
    assert d["TrainingJobStatus"] == "Completed", d.get("FailureReason")
    name = uniq("boston-ep")
    sm.create_model(ModelName=name, ExecutionRoleArn=ROLE,
                    PrimaryContainer={"Image": LEGACY_IMAGE,
                                      "ModelDataUrl": d["ModelArtifacts"]["S3ModelArtifacts"]})
    sm.create_endpoint_config(EndpointConfigName=name, ProductionVariants=[{
        "VariantName": "AllTraffic", "ModelName": name, "InitialInstanceCount": 1,
        "InstanceType": "ml.m4.xlarge"}])
    sm.create_endpoint(EndpointName=name, EndpointConfigName=name)
    sm.get_waiter("endpoint_in_service").wait(EndpointName=name,
                                                WaiterConfig={"Delay": 1, "MaxAttempts": 120})
    rows = boston["validation"][:20]
    body = to_csv(rows, label=False)
    r = trainer.client("sagemaker-runtime").invoke_endpoint(
        EndpointName=name, ContentType="text/csv", Body=body.encode())
    text = r["Body"].read().decode()
    preds = [float(x) for x in re.split(r"[,\n]", text.strip()) if x]
    assert len(preds) == len(rows), text
    labels = [float(y) for y, _ in rows]
    rmse = (sum((p - y) ** 2 for p, y in zip(preds, labels)) / len(rows)) ** 0.5
    assert rmse < 10, (rmse, preds[:5], labels[:5])
    sm.delete_endpoint(EndpointName=name)
