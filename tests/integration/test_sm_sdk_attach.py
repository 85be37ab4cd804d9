"""Estimator.attach and HyperparameterTuner.attach through the real
SageMaker SDK (v2, and v1.72.0), after `sagelite env`, on the shared
test-executor daemon: tests/sdk/attach_flow.py fits an Estimator, attaches
to its job, tunes it (three Completed training jobs with
FinalMetricDataList), asks best_training_job(), attaches to the tuning job
and to the best training job, and reads tuner.analytics() when pandas is
installed.  An exception in the SDK means a Describe answer lacks something
the SDK reads: the test prints the SDK's traceback."""
import json
import pathlib
import subprocess

import pytest

from conftest import REPO
from test_sdk_env import env_from_sagelite

SDK_VENVS = {"v1": ".venv-sdk1", "v2": ".venv-sdk2"}
IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"
ROLE = "arn:aws:iam::000000000000:role/SageMakerRole"
BUCKET = "sagemaker-us-east-1-000000000000"
HYPERPARAMETERS = {"objective": "binary:logistic", "num_round": "10", "eta": "0.3",
                   "max_depth": "4"}


def run_flow(daemon, sdk):
    python = pathlib.Path(REPO, SDK_VENVS[sdk], "bin", "python")
    assert python.exists(), f"{python} missing: run scripts/install-deps.sh --test"
    env = env_from_sagelite(daemon)
    env["SAGEMAKER_SUPPRESS_V2_WARNING"] = "1"
    proc = subprocess.run([str(python), str(pathlib.Path(REPO, "tests/sdk/attach_flow.py"))],
                          env=env, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def check_sdk_error(result, part):
    err = result.get(f"{part}_error")
    assert err is None, (f"the SDK failed in the {part} part: {err['type']}: {err['message']}\n"
                         f"{err['traceback']}")


@pytest.fixture(scope="module", params=sorted(SDK_VENVS))
def flow(request, daemon):
    return request.param, run_flow(daemon, request.param)


@pytest.mark.timeout(300)
def test_estimator_attach(flow, daemon):
    sdk, r = flow
    check_sdk_error(r, "estimator")
    assert r["blocked"] == [], f"tried to reach non-local hosts: {r['blocked']}"
    job = r["fit"]["job_name"]
    assert job.startswith("sagemaker-xgboost-")
    model_data = f"s3://{BUCKET}/out/{job}/output/model.tar.gz"
    assert r["fit"]["model_data"] == model_data
    a = r["attached"]
    assert a == {"job_name": job, "image_uri": IMAGE, "instance_count": 1,
                 "instance_type": "ml.m5.large", "volume_size": 30, "max_run": 86400,
                 "output_path": f"s3://{BUCKET}/out", "input_mode": "File", "role": ROLE,
                 "hyperparameters": HYPERPARAMETERS, "model_data": model_data,
                 "encrypt_inter_container_traffic": False, "network_isolation": False}, sdk
    assert r["attached_status"] == "Completed"
    # The artifact the attached estimator names exists.
    key = model_data.split("/", 3)[3]
    assert daemon.client("s3").head_object(Bucket=BUCKET, Key=key)["ContentLength"] > 0


@pytest.mark.timeout(300)
def test_tuner_best_job_and_attach(flow, daemon):
    sdk, r = flow
    check_sdk_error(r, "estimator")
    check_sdk_error(r, "tuner")
    t = r["tuner"]
    name = t["name"]
    assert t["status"] == "Completed"
    assert len(t["children"]) == 3
    assert all(c.startswith(f"{name}-00") for c in t["children"])
    # The test executor's objective values are 0.7, 0.9, 0.6: job 002 wins.
    assert t["best"] in t["children"] and t["best"].startswith(f"{name}-002-")
    assert t["best_metric"] == {"Type": "Maximize", "MetricName": "validation:auc",
                                "Value": pytest.approx(0.9)}
    assert t["counters"] == {"Completed": 3, "InProgress": 0, "RetryableError": 0,
                             "NonRetryableError": 0, "Stopped": 0}

    a = t["attached"]
    assert a["name"] == name
    assert a["best"] == t["best"]
    assert a["objective_metric_name"] == "validation:auc"
    assert a["objective_type"] == "Maximize"
    assert (a["max_jobs"], a["max_parallel_jobs"]) == (3, 1)
    assert a["ranges"] == ["eta", "max_depth"]
    assert a["metric_definitions"] == [{"Name": "validation:auc", "Regex": "auc=([0-9.]+)"}]
    assert a["estimator_image"] == IMAGE
    assert a["estimator_output_path"] == f"s3://{BUCKET}/out"
    # Tuned parameters are not static; _tuning_objective_metric is dropped by the SDK.
    assert a["estimator_hyperparameters"] == {"objective": "binary:logistic", "num_round": "10"}

    b = t["best_attached"]
    assert b["job_name"] == t["best"]
    assert (b["image_uri"], b["instance_count"], b["instance_type"]) == (IMAGE, 1, "ml.m5.large")
    assert b["output_path"] == f"s3://{BUCKET}/out"
    assert b["model_data"] == f"s3://{BUCKET}/out/{t['best']}/output/model.tar.gz"
    assert b["hyperparameters"] == {"objective": "binary:logistic", "num_round": "10",
                                    "eta": "0.5", "max_depth": "5",
                                    "_tuning_objective_metric": "validation:auc"}

    if t["analytics"] == "no pandas":
        return
    an = t["analytics"]
    assert an["rows"] == 3
    assert an["names"] == t["children"]
    assert an["objective"] == pytest.approx([0.6, 0.7, 0.9])
    assert {"eta", "max_depth", "FinalObjectiveValue", "TrainingJobStatus",
            "TrainingStartTime", "TrainingEndTime"} <= set(an["columns"])
