"""The Boston lab's batch transform with SDK v2, unmodified in shape:
Estimator(image_uris.retrieve('xgboost', region, '1.7-1'), ...) with the
course hyperparameters, fit on the train/validation CSVs the test put under
s3://BUCKET/boston/, then
estimator.transformer(1, 'ml.m4.xlarge').transform(test, content_type=
'text/csv', split_type='Line') and wait() (logs shown).  Run by
tests/integration/test_transform.py in .venv-sdk2 after `sagelite env`.

    xgboost_transform.py BUCKET

Prints one JSON line: {"status", "lines", "logs_seen", "output_path", "error"}."""
import contextlib
import io
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netguard  # noqa: E402,F401  (must come before the SDK)

import boto3  # noqa: E402
import sagemaker  # noqa: E402
from sagemaker import get_execution_role, image_uris  # noqa: E402
from sagemaker.estimator import Estimator  # noqa: E402
from sagemaker.inputs import TrainingInput  # noqa: E402

bucket = sys.argv[1]
session = sagemaker.Session()
role = get_execution_role()
region = session.boto_region_name
container = image_uris.retrieve("xgboost", region, "1.7-1")

xgb = Estimator(container, role, instance_count=1, instance_type="ml.m4.xlarge",
                output_path=f"s3://{bucket}/boston/sdk-model", sagemaker_session=session)
xgb.set_hyperparameters(max_depth=5, eta=0.2, gamma=4, min_child_weight=6, subsample=0.8,
                        objective="reg:linear", early_stopping_rounds=10, num_round=200)
captured = io.StringIO()
error = None
status = None
with contextlib.redirect_stdout(captured):
    try:
        xgb.fit({"train": TrainingInput(f"s3://{bucket}/boston/train/", content_type="csv"),
                 "validation": TrainingInput(f"s3://{bucket}/boston/validation/", content_type="csv")})
        transformer = xgb.transformer(1, "ml.m4.xlarge", output_path=f"s3://{bucket}/boston/sdk-transform")
        transformer.transform(f"s3://{bucket}/boston/test/", content_type="text/csv", split_type="Line")
        transformer.wait()  # logs=True: the job's CloudWatch lines are printed
        status = session.sagemaker_client.describe_transform_job(
            TransformJobName=transformer.latest_transform_job.name)["TransformJobStatus"]
    except Exception as e:  # noqa: BLE001
        error = f"{type(e).__name__}: {e}"
out = captured.getvalue()
sys.stderr.write(out)
lines = None
if status == "Completed":
    s3 = boto3.client("s3")
    body = s3.get_object(Bucket=bucket, Key="boston/sdk-transform/test.csv.out")["Body"].read().decode()
    lines = len(body.split())
print(json.dumps({"status": status, "lines": lines, "error": error,
                  "logs_seen": "BatchStrategy=MULTI_RECORD" in out or "MaxConcurrentTransforms=" in out,
                  "output_path": f"s3://{bucket}/boston/sdk-transform"}))
