"""The course's PyTorch moon notebook, training half, unmodified: upload
fixtures/moon/train.csv with Session.upload_data, then
PyTorch(entry_point='train.py', source_dir=fixtures/moon/source, ...).fit()
with logs=True.  Run by tests/integration/test_training.py in .venv-sdk2
after `sagelite env`.

    pytorch_fit.py [fixed|original] [JOB_NAME]

"fixed" (default) trains fixtures/moon/source/train.py; "original" trains
train_original.py, the course's script with its tensor-shape bug, which
must fail.  Prints one JSON line:
  {"version", "job_name", "status", "model_data", "logs_seen",
   "failure_reason", "error", "elapsed", "blocked"}
logs_seen: the fit printed the script's own log lines ("Epoch: 80, Loss"
for the fixed script, "ValueError" for the original) — the SDK tails the
job's CloudWatch log stream into the notebook."""
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
from sagemaker.pytorch import PyTorch  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
MOON = os.path.join(REPO, "fixtures", "moon")

variant = sys.argv[1] if len(sys.argv) > 1 else "fixed"
job_name = sys.argv[2] if len(sys.argv) > 2 else None
entry_point = {"fixed": "train.py", "original": "train_original.py"}[variant]

session = sagemaker.Session()
role = get_execution_role()
bucket = session.default_bucket()
input_data = session.upload_data(path=os.path.join(MOON, "train.csv"), bucket=bucket,
                                 key_prefix="sagemaker/moon-data")

estimator = PyTorch(entry_point=entry_point,
                    source_dir=os.path.join(MOON, "source"),
                    role=role,
                    framework_version="1.13",
                    py_version="py39",
                    instance_count=1,
                    instance_type="ml.c4.xlarge",
                    output_path=f"s3://{bucket}/sagemaker/moon-model",
                    sagemaker_session=session,
                    hyperparameters={"input_dim": 2, "hidden_dim": 20, "output_dim": 1,
                                     "epochs": 80})

captured = io.StringIO()
error = None
start = time.monotonic()
with contextlib.redirect_stdout(captured):
    try:
        estimator.fit({"train": input_data}, job_name=job_name, logs=True)
    except Exception as e:  # the failure path: UnexpectedStatusException
        error = f"{type(e).__name__}: {e}"
elapsed = time.monotonic() - start
sys.stderr.write(captured.getvalue())  # the fit's output, for a failing test's report

name = estimator.latest_training_job.name if estimator.latest_training_job else job_name
desc = session.sagemaker_client.describe_training_job(TrainingJobName=name)
marker = "Epoch: 80, Loss" if variant == "fixed" else "ValueError"
print(json.dumps({
    "version": version("sagemaker"),
    "job_name": name,
    "status": desc["TrainingJobStatus"],
    "secondary_status": desc.get("SecondaryStatus"),
    "model_data": desc.get("ModelArtifacts", {}).get("S3ModelArtifacts"),
    "failure_reason": desc.get("FailureReason"),
    "logs_seen": marker in captured.getvalue(),
    "error": error,
    "elapsed": round(elapsed, 2),
    "blocked": netguard.attempts,
}))
