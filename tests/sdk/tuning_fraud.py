"""The fraud-detection lab's tuning cells, as the course writes them, on
the built-in XGBoost: a generic Estimator over image_uris.retrieve("xgboost",
..., "1.7-1") with the lab's hyperparameters, then

    HyperparameterTuner(xgb, 'validation:auc',
                        {'eta': ContinuousParameter(0, 1),
                         'min_child_weight': ContinuousParameter(0, 10),
                         'alpha': ContinuousParameter(0, 2),
                         'max_depth': IntegerParameter(1, 10)},
                        max_jobs=9, max_parallel_jobs=3).fit(...)

tuner.best_training_job(), HyperparameterTuner.attach(), tuner.deploy() +
CSVSerializer predict + delete_endpoint.  The data: a small seeded
synthetic imbalanced CSV (label first, no header) made here.  Run by
tests/integration/test_tuning.py in .venv-sdk2 after `sagelite env`.

Prints one JSON line: {"version", "tuning_job", "status", "counters",
"best", "best_auc", "attached_best", "attached_max_jobs", "predictions",
"error", "blocked"}."""
import contextlib
import json
import os
import random
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netguard  # noqa: E402  (must come before the SDK)

from importlib.metadata import version  # noqa: E402

import sagemaker  # noqa: E402
from sagemaker import get_execution_role, image_uris  # noqa: E402
from sagemaker.estimator import Estimator  # noqa: E402
from sagemaker.inputs import TrainingInput  # noqa: E402
from sagemaker.serializers import CSVSerializer  # noqa: E402
from sagemaker.tuner import ContinuousParameter, HyperparameterTuner, IntegerParameter  # noqa: E402

job_name = sys.argv[1] if len(sys.argv) > 1 else None


def make_rows(rng, n, fraud_rate):
    """label, 8 features: fraud rows shifted on three of them."""
    rows = []
    for _ in range(n):
        fraud = 1 if rng.random() < fraud_rate else 0
        x = [rng.gauss(0, 1) for _ in range(8)]
        if fraud:
            for k in (1, 3, 5):
                x[k] += rng.gauss(1.8, 0.7)
        rows.append([fraud] + [round(v, 5) for v in x])
    return rows


def write_csv(path, rows):
    with open(path, "w") as f:
        for r in rows:
            f.write(",".join(str(v) for v in r) + "\n")


rng = random.Random(2020)
train, validation, test = make_rows(rng, 800, 0.05), make_rows(rng, 300, 0.05), make_rows(rng, 5, 0.5)
tmp = tempfile.mkdtemp(prefix="sagelite-fraud-")
write_csv(os.path.join(tmp, "train.csv"), train)
write_csv(os.path.join(tmp, "validation.csv"), validation)

session = sagemaker.Session()
role = get_execution_role()
bucket = session.default_bucket()
prefix = "sagemaker/DEMO-xgboost-fraud"
result = {"version": version("sagemaker"), "tuning_job": None, "status": None, "counters": None,
          "best": None, "best_auc": None, "attached_best": None, "attached_max_jobs": None,
          "predictions": None, "error": None}
with contextlib.redirect_stdout(sys.stderr):
    try:
        train_uri = session.upload_data(os.path.join(tmp, "train.csv"), bucket=bucket,
                                        key_prefix=f"{prefix}/train")
        val_uri = session.upload_data(os.path.join(tmp, "validation.csv"), bucket=bucket,
                                      key_prefix=f"{prefix}/validation")
        container = image_uris.retrieve("xgboost", session.boto_region_name, "1.7-1")
        xgb = Estimator(container, role, instance_count=1, instance_type="ml.m4.xlarge",
                        output_path=f"s3://{bucket}/{prefix}/output", sagemaker_session=session)
        xgb.set_hyperparameters(max_depth=5, eta=0.2, gamma=4, min_child_weight=6, subsample=0.8,
                                objective="binary:logistic", eval_metric="auc", num_round=20)
        hyperparameter_ranges = {"eta": ContinuousParameter(0, 1),
                                 "min_child_weight": ContinuousParameter(0, 10),
                                 "alpha": ContinuousParameter(0, 2),
                                 "max_depth": IntegerParameter(1, 10)}
        tuner = HyperparameterTuner(xgb, "validation:auc", hyperparameter_ranges,
                                    max_jobs=9, max_parallel_jobs=3)
        tuner.fit({"train": TrainingInput(train_uri, content_type="csv"),
                   "validation": TrainingInput(val_uri, content_type="csv")},
                  job_name=job_name, include_cls_metadata=False)
        tuner.wait()
        name = tuner.latest_tuning_job.name
        result["tuning_job"] = name
        desc = session.sagemaker_client.describe_hyper_parameter_tuning_job(
            HyperParameterTuningJobName=name)
        result["status"] = desc["HyperParameterTuningJobStatus"]
        result["counters"] = desc["TrainingJobStatusCounters"]
        result["best"] = tuner.best_training_job()
        result["best_auc"] = desc["BestTrainingJob"]["FinalHyperParameterTuningJobObjectiveMetric"]["Value"]
        attached = HyperparameterTuner.attach(name, sagemaker_session=session)
        result["attached_best"] = attached.best_training_job()
        result["attached_max_jobs"] = attached.max_jobs
        predictor = tuner.deploy(initial_instance_count=1, instance_type="ml.m4.xlarge")
        predictor.serializer = CSVSerializer()
        answer = predictor.predict([r[1:] for r in test])
        text = answer.decode() if isinstance(answer, bytes) else str(answer)
        result["predictions"] = [float(v) for v in text.replace("\n", ",").split(",") if v.strip()]
        predictor.delete_endpoint()
    except Exception as e:
        result["error"] = f"{type(e).__name__}: {e}"
result["blocked"] = netguard.attempts
print(json.dumps(result))
