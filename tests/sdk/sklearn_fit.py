"""The course's scikit-learn iris lab, training half, unmodified: upload
fixtures/iris/train.csv, then SKLearn(entry_point='train.py',
source_dir=fixtures/iris/source, framework_version='1.2-1', ...).fit().
Run by tests/integration/test_training.py in .venv-sdk2 after
`sagelite env`.

    sklearn_fit.py [JOB_NAME]

Prints one JSON line: {"version", "job_name", "status", "model_data",
"logs_seen", "failure_reason", "error", "elapsed", "blocked"}; logs_seen:
the fit printed the script's "training accuracy:" line."""
import contextlib
import io
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netguard  # noqa: E402  (must come before the SDK)

from importlib.metadata import version  # noqa: E402

import sagemaker  # noqa: E402
from sagemaker import get_execution_role  # noqa: E402
from sagemaker.sklearn.estimator import SKLearn  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
IRIS = os.path.join(REPO, "fixtures", "iris")

job_name = sys.argv[1] if len(sys.argv) > 1 else None

session = sagemaker.Session()
role = get_execution_role()
bucket = session.default_bucket()
train_input = session.upload_data(os.path.join(IRIS, "train.csv"), bucket=bucket,
                                  key_prefix="sagemaker/DEMO-scikit-iris")

sklearn = SKLearn(entry_point="train.py",
                  source_dir=os.path.join(IRIS, "source"),
                  framework_version="1.2-1",
                  instance_type="ml.c4.xlarge",
                  role=role,
                  sagemaker_session=session,
                  hyperparameters={"max_leaf_nodes": 10})

captured = io.StringIO()
error = None
start = time.monotonic()
with contextlib.redirect_stdout(captured):
    try:
        sklearn.fit({"train": train_input}, job_name=job_name)  # logs default: True
    except Exception as e:
        error = f"{type(e).__name__}: {e}"
elapsed = time.monotonic() - start
sys.stderr.write(captured.getvalue())

name = sklearn.latest_training_job.name if sklearn.latest_training_job else job_name
desc = session.sagemaker_client.describe_training_job(TrainingJobName=name)
print(json.dumps({
    "version": version("sagemaker"),
    "job_name": name,
    "status": desc["TrainingJobStatus"],
    "secondary_status": desc.get("SecondaryStatus"),
    "model_data": desc.get("ModelArtifacts", {}).get("S3ModelArtifacts"),
    "failure_reason": desc.get("FailureReason"),
    "logs_seen": "training accuracy:" in captured.getvalue(),
    "error": error,
    "elapsed": round(elapsed, 2),
    "blocked": netguard.attempts,
}))
