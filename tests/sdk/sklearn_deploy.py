"""The course's scikit-learn iris lab, both halves, unmodified: fit as in
sklearn_fit.py, then sklearn.deploy(...) and predictor.predict() on the
test rows (the SDK's default NumpySerializer / NumpyDeserializer, which
compares the answer's Content-Type exactly), a CSV round, and
predictor.delete_endpoint().  Run by tests/integration/test_endpoints.py
in .venv-sdk2 after `sagelite env`.

Prints one JSON line: {"version", "endpoint", "predictions",
"csv_predictions", "deploy_seconds", "error", "blocked"}."""
import contextlib
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netguard  # noqa: E402  (must come before the SDK)

from importlib.metadata import version  # noqa: E402

import numpy as np  # noqa: E402
import sagemaker  # noqa: E402
from sagemaker import get_execution_role  # noqa: E402
from sagemaker.deserializers import CSVDeserializer  # noqa: E402
from sagemaker.serializers import CSVSerializer  # noqa: E402
from sagemaker.sklearn.estimator import SKLearn  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
IRIS = os.path.join(REPO, "fixtures", "iris")

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
result = {"version": version("sagemaker"), "endpoint": None, "predictions": None,
          "csv_predictions": None, "deploy_seconds": None, "error": None}
# The SDK draws its progress dots on stdout: keep stdout for the JSON line.
with contextlib.redirect_stdout(sys.stderr):
    try:
        sklearn.fit({"train": train_input}, logs=False)
        start = time.monotonic()
        predictor = sklearn.deploy(initial_instance_count=1, instance_type="ml.m5.xlarge")
        result["deploy_seconds"] = round(time.monotonic() - start, 1)
        result["endpoint"] = predictor.endpoint_name
        rows = np.loadtxt(os.path.join(IRIS, "test-00.csv"), delimiter=",")
        result["predictions"] = predictor.predict(rows).tolist()
        predictor.serializer = CSVSerializer()
        predictor.deserializer = CSVDeserializer()
        result["csv_predictions"] = predictor.predict(rows)
        predictor.delete_endpoint()
    except Exception as e:  # noqa: BLE001 — reported in the JSON line
        result["error"] = f"{type(e).__name__}: {e}"
result["blocked"] = netguard.attempts
print(json.dumps(result))
