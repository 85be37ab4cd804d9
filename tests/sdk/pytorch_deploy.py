"""The course's PyTorch moon notebook, both halves: fit as pytorch_fit.py
does (fixtures/moon/source/train.py, the shape-fixed script), then

    PyTorchModel(model_data=estimator.model_data, entry_point='predict.py',
                 source_dir=fixtures/moon/source, framework_version='1.13',
                 py_version='py39').deploy(1, 'ml.t2.medium')

(the SDK repacks model.tar.gz with code/ and points SAGEMAKER_SUBMIT_DIRECTORY
at /opt/ml/model/code), predictor.predict(X_test) with the predictor's
default NumpySerializer / NumpyDeserializer on the held-out quarter
(fixtures/moon/test.csv without its label column), then
predictor.delete_endpoint().  Run by tests/integration/test_endpoints_more.py
in .venv-sdk2 after `sagelite env`.

Prints one JSON line: {"version", "job_name", "endpoint", "model_data",
"deployed_model_data", "predictions", "deploy_seconds", "error", "blocked"}."""
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
from sagemaker.pytorch import PyTorch, PyTorchModel  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
MOON = os.path.join(REPO, "fixtures", "moon")

session = sagemaker.Session()
role = get_execution_role()
bucket = session.default_bucket()
result = {"version": version("sagemaker"), "job_name": None, "endpoint": None,
          "model_data": None, "deployed_model_data": None, "predictions": None,
          "deploy_seconds": None, "error": None}
# The SDK draws its progress dots on stdout: keep stdout for the JSON line.
with contextlib.redirect_stdout(sys.stderr):
    try:
        input_data = session.upload_data(path=os.path.join(MOON, "train.csv"), bucket=bucket,
                                         key_prefix="sagemaker/moon-data")
        estimator = PyTorch(entry_point="train.py",
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
        estimator.fit({"train": input_data}, logs=False)
        result["job_name"] = estimator.latest_training_job.name
        result["model_data"] = estimator.model_data
        model = PyTorchModel(model_data=estimator.model_data,
                             role=role,
                             entry_point="predict.py",
                             source_dir=os.path.join(MOON, "source"),
                             framework_version="1.13",
                             py_version="py39",
                             sagemaker_session=session)
        start = time.monotonic()
        predictor = model.deploy(initial_instance_count=1, instance_type="ml.t2.medium")
        result["deploy_seconds"] = round(time.monotonic() - start, 1)
        result["endpoint"] = predictor.endpoint_name
        desc = session.sagemaker_client.describe_endpoint_config(
            EndpointConfigName=session.sagemaker_client.describe_endpoint(
                EndpointName=predictor.endpoint_name)["EndpointConfigName"])
        model_name = desc["ProductionVariants"][0]["ModelName"]
        result["deployed_model_data"] = session.sagemaker_client.describe_model(
            ModelName=model_name)["PrimaryContainer"]["ModelDataUrl"]
        test = np.loadtxt(os.path.join(MOON, "test.csv"), delimiter=",")
        x_test = test[:, 1:]
        result["predictions"] = np.asarray(predictor.predict(x_test)).reshape(-1).tolist()
        predictor.delete_endpoint()
    except Exception as e:  # noqa: BLE001 — reported in the JSON line
        result["error"] = f"{type(e).__name__}: {e}"
result["blocked"] = netguard.attempts
print(json.dumps(result))
