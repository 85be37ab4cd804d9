"""Estimator.fit → Estimator.attach, and HyperparameterTuner.fit →
best_training_job / HyperparameterTuner.attach / analytics, through the
SageMaker SDK (v2; the Estimator part, and the tuner where it works, also
v1.72) against a sagelite daemon on the "test" executor (every job completes
at once; a tuning job gets three Completed training jobs with
FinalMetricDataList).  Run by tests/integration/test_sm_sdk_attach.py after
`sagelite env`.

Prints one JSON line: what the attached objects hold, or, for a part that
raised, "<part>_error" with the exception and the tail of its traceback (an
SDK exception such as KeyError means a Describe answer lacks a member the
SDK reads).  Arguments: "estimator" and/or "tuner" (default both)."""
import json
import os
import sys
import tempfile
import traceback
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netguard  # noqa: E402  (must come before the SDK)

from importlib.metadata import version  # noqa: E402

import sagemaker  # noqa: E402
from sagemaker.estimator import Estimator  # noqa: E402
from sagemaker.tuner import (ContinuousParameter, HyperparameterTuner,  # noqa: E402
                             IntegerParameter)

V1 = version("sagemaker").startswith("1.")
IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"
HYPERPARAMETERS = {"objective": "binary:logistic", "num_round": "10", "eta": "0.3",
                   "max_depth": "4"}

parts = sys.argv[1:] or ["estimator", "tuner"]
result = {"version": version("sagemaker")}

session = sagemaker.Session()
role = sagemaker.get_execution_role()
bucket = session.default_bucket()
with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as f:
    f.write("0,1.5,2.5\n1,3.5,4.5\n")
train = session.upload_data(f.name, bucket=bucket, key_prefix="attach-flow/train")
validation = session.upload_data(f.name, bucket=bucket, key_prefix="attach-flow/validation")
output_path = f"s3://{bucket}/out"
result.update(bucket=bucket, role=role, train=train, output_path=output_path)


def error(e):
    return {"type": type(e).__name__, "message": str(e),
            "traceback": traceback.format_exc()[-2500:]}


def make_estimator():
    if V1:
        return Estimator(image_name=IMAGE, role=role, train_instance_count=1,
                         train_instance_type="ml.m5.large", output_path=output_path,
                         hyperparameters=dict(HYPERPARAMETERS), sagemaker_session=session)
    return Estimator(image_uri=IMAGE, role=role, instance_count=1, instance_type="ml.m5.large",
                     output_path=output_path, hyperparameters=dict(HYPERPARAMETERS),
                     sagemaker_session=session)


def estimator_fields(est):
    """The attached estimator's settings, under v2's names."""
    if V1:
        image, count, itype = est.image_name, est.train_instance_count, est.train_instance_type
        volume, max_run = est.train_volume_size, est.train_max_run
    else:
        image, count, itype = est.image_uri, est.instance_count, est.instance_type
        volume, max_run = est.volume_size, est.max_run
    return {"job_name": est.latest_training_job.name, "image_uri": image,
            "instance_count": count, "instance_type": itype, "volume_size": volume,
            "max_run": max_run, "output_path": est.output_path,
            "input_mode": est.input_mode, "role": est.role,
            "hyperparameters": est.hyperparameters(), "model_data": est.model_data,
            "encrypt_inter_container_traffic": est.encrypt_inter_container_traffic,
            "network_isolation": est.enable_network_isolation()}


estimator = None
if "estimator" in parts or "tuner" in parts:
    try:
        estimator = make_estimator()
        estimator.fit({"train": train}, wait=True, logs=False)
        job_name = estimator.latest_training_job.name
        result["fit"] = {"job_name": job_name, "model_data": estimator.model_data}
        if "estimator" in parts:
            attached = Estimator.attach(job_name, sagemaker_session=session)
            result["attached"] = estimator_fields(attached)
            result["attached_status"] = attached.latest_training_job.describe()[
                "TrainingJobStatus"]
    except Exception as e:  # noqa: BLE001 — reported, the test asserts on it
        result["estimator_error"] = error(e)

if "tuner" in parts and estimator is not None and "estimator_error" not in result:
    try:
        tuner = HyperparameterTuner(
            estimator, "validation:auc",
            {"eta": ContinuousParameter(0, 1), "max_depth": IntegerParameter(1, 10)},
            metric_definitions=[{"Name": "validation:auc", "Regex": "auc=([0-9.]+)"}],
            max_jobs=3, max_parallel_jobs=1)
        # The SDK's own tuning job names have a minute's resolution: two runs
        # within a minute (v1 and v2 on one daemon) would collide.
        job = f"attach-{version('sagemaker').split('.')[0]}-{uuid.uuid4().hex[:8]}"
        if V1:
            tuner.fit({"train": train, "validation": validation}, job_name=job)
            tuner.wait()
        else:
            tuner.fit({"train": train, "validation": validation}, job_name=job, wait=True)
        tuning_job = tuner.latest_tuning_job.name
        desc = session.sagemaker_client.describe_hyper_parameter_tuning_job(
            HyperParameterTuningJobName=tuning_job)
        children = session.sagemaker_client.list_training_jobs_for_hyper_parameter_tuning_job(
            HyperParameterTuningJobName=tuning_job)["TrainingJobSummaries"]
        best = tuner.best_training_job()
        again = HyperparameterTuner.attach(tuning_job, sagemaker_session=session)
        t = {"name": tuning_job, "status": desc["HyperParameterTuningJobStatus"],
             "best": best, "children": sorted(c["TrainingJobName"] for c in children),
             "counters": desc.get("TrainingJobStatusCounters"),
             "best_metric": desc.get("BestTrainingJob", {}).get(
                 "FinalHyperParameterTuningJobObjectiveMetric"),
             "attached": {
                 "name": again.latest_tuning_job.name,
                 "objective_metric_name": again.objective_metric_name,
                 "objective_type": again.objective_type,
                 "max_jobs": again.max_jobs, "max_parallel_jobs": again.max_parallel_jobs,
                 "ranges": sorted(again._hyperparameter_ranges),
                 "metric_definitions": again.metric_definitions,
                 "best": again.best_training_job(),
                 "estimator_image": (again.estimator.image_name if V1
                                     else again.estimator.image_uri),
                 "estimator_output_path": again.estimator.output_path,
                 "estimator_hyperparameters": again.estimator.hyperparameters(),
             }}
        # tuner.deploy's first step: attach the best training job.
        best_est = Estimator.attach(best, sagemaker_session=session)
        t["best_attached"] = estimator_fields(best_est)
        try:
            import pandas  # noqa: F401
        except ImportError:
            t["analytics"] = "no pandas"
        else:
            frame = tuner.analytics().dataframe()
            t["analytics"] = {"rows": len(frame), "columns": sorted(frame.columns),
                              "names": sorted(frame["TrainingJobName"]),
                              "objective": sorted(frame["FinalObjectiveValue"])}
        result["tuner"] = t
    except Exception as e:  # noqa: BLE001
        result["tuner_error"] = error(e)

result["blocked"] = netguard.attempts
print(json.dumps(result, default=str))
