"""More of the endpoint contract, on a daemon started with `--executor host`:

* The course's PyTorch moon notebook through SDK v2 (tests/sdk/
  pytorch_deploy.py in .venv-sdk2): train with the shape-fixed train.py,
  PyTorchModel(model_data=estimator.model_data, entry_point='predict.py',
  source_dir=...).deploy(1, 'ml.t2.medium'), predictor.predict(X_test)
  with the default numpy serializer, accuracy >= 0.75 on the held-out
  quarter (fixtures/moon/test.csv), delete_endpoint.
* A model whose predict takes 70 s: InvokeEndpoint answers ModelError
  (424) after the 60 s model timeout with AWS's words ("Received server
  error (0) from primary with message \"Your invocation timed out while
  waiting for a response from container primary. ...\""), and the
  endpoint keeps serving afterwards.
* Content types the scikit-learn container's default handlers do not
  speak: an unsupported ContentType is the container's 415 and an
  unsupported Accept its 406, each as ModelError "Received client error"
  with the toolkit's message.

(test_endpoints.py has the 7 MB body → 413, handler errors, variants,
updates, restarts and the scikit-learn SDK flow.)"""
import io
import json
import subprocess
import tarfile
import time
import uuid

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import REPO
from test_sdk_env import env_from_sagelite

ACCOUNT = "000000000000"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/SageMakerRole"
SKLEARN_IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"
SDK2_PYTHON = REPO / ".venv-sdk2" / "bin" / "python"
MOON = REPO / "fixtures" / "moon"

# Sums each row; a row starting with 70 first sleeps 70 s (past the 60 s
# model timeout).  No input_fn / output_fn: the container's defaults.
SLOW_PY = '''
import time

import numpy as np


def model_fn(model_dir):
    return "sum"


def predict_fn(data, model):
    data = np.asarray(data, dtype=float)
    if data.ndim == 1:
        data = data.reshape(1, -1)
    if data[0, 0] == 70:
        time.sleep(70)
    return data.sum(axis=1)
'''

TIMEOUT_MSG = ("Your invocation timed out while waiting for a response from container primary. "
               "Review the latency metrics for each container in Amazon CloudWatch, resolve the "
               "issue, and try again.")


def uniq(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def tar_gz(files):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, body in files.items():
            data = body.encode() if isinstance(body, str) else body
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), 0o644, int(time.time())
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


@pytest.fixture(scope="module")
def server(module_daemon_factory):
    return module_daemon_factory("--executor", "host", "--python", "/usr/bin/python3",
                                 "--health-timeout", "120", "--stop-grace", "5")


@pytest.fixture(scope="module")
def moon_flow(server, tmp_path_factory):
    """Start the SDK moon flow at once (it trains, then deploys: about a
    minute, mostly the SDK's own polling) so it overlaps the slow test;
    hand out its JSON result on demand."""
    assert SDK2_PYTHON.exists(), f"{SDK2_PYTHON} missing: run scripts/install-deps.sh --test"
    env = env_from_sagelite(server)
    env["SAGEMAKER_SUPPRESS_V2_WARNING"] = "1"
    err = open(tmp_path_factory.mktemp("moon") / "stderr", "w+")
    proc = subprocess.Popen([str(SDK2_PYTHON), str(REPO / "tests/sdk/pytorch_deploy.py")], env=env,
                            stdout=subprocess.PIPE, stderr=err, text=True)
    got = {}

    def result():
        if not got:
            out, _ = proc.communicate(timeout=400)
            err.seek(0)
            stderr = err.read()
            assert proc.returncode == 0, f"exited {proc.returncode}\n{stderr[-4000:]}"
            got.update(json.loads(out.strip().splitlines()[-1]))
            got["stderr"] = stderr
        return got

    yield result
    if proc.poll() is None:
        proc.kill()
        proc.wait()
    err.close()


@pytest.fixture(scope="module")
def sm(server):
    return server.client("sagemaker")


@pytest.fixture(scope="module")
def rt(server):
    """A runtime client that waits longer than the 60 s model timeout."""
    return boto3.session.Session().client(
        "sagemaker-runtime", endpoint_url=server.url, aws_access_key_id="test",
        aws_secret_access_key="test", region_name="us-east-1",
        config=Config(retries={"max_attempts": 1}, connect_timeout=10, read_timeout=120))


@pytest.fixture(scope="module")
def slow_endpoint(server, sm):
    """The SLOW_PY model deployed with the scikit-learn image, one instance."""
    s3 = server.client("s3")
    bucket = uniq("slow")
    s3.create_bucket(Bucket=bucket)
    name = uniq("slow")
    s3.put_object(Bucket=bucket, Key=f"{name}/model.tar.gz",
                  Body=tar_gz({"code/inference.py": SLOW_PY, "weights.txt": "none\n"}))
    sm.create_model(
        ModelName=name, ExecutionRoleArn=ROLE,
        PrimaryContainer={"Image": SKLEARN_IMAGE,
                          "ModelDataUrl": f"s3://{bucket}/{name}/model.tar.gz",
                          "Environment": {"SAGEMAKER_PROGRAM": "inference.py",
                                          "SAGEMAKER_SUBMIT_DIRECTORY": "/opt/ml/model/code",
                                          "SAGEMAKER_REGION": "us-east-1"}})
    sm.create_endpoint_config(EndpointConfigName=name, ProductionVariants=[
        {"VariantName": "AllTraffic", "ModelName": name, "InitialInstanceCount": 1,
         "InstanceType": "ml.m5.large", "InitialVariantWeight": 1.0}])
    sm.create_endpoint(EndpointName=name, EndpointConfigName=name)
    sm.get_waiter("endpoint_in_service").wait(EndpointName=name,
                                               WaiterConfig={"Delay": 1, "MaxAttempts": 120})
    return name


def see_also(endpoint):
    return (f"See https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1"
            f"#logEventViewer:group=/aws/sagemaker/Endpoints/{endpoint} in account {ACCOUNT} "
            f"for more information.")


# ---- the 60 s model timeout ---------------------------------------------------

@pytest.mark.timeout(240)
def test_70_second_model_times_out_and_endpoint_still_serves(slow_endpoint, rt, moon_flow):
    r = rt.invoke_endpoint(EndpointName=slow_endpoint, ContentType="text/csv", Accept="text/csv",
                           Body=b"1,2,3")
    assert r["Body"].read().decode().strip() == "6.0"

    # The model would answer 200 after 70 s: the timeout text can only come
    # from the daemon's 60 s deadline.
    with pytest.raises(ClientError) as ei:
        rt.invoke_endpoint(EndpointName=slow_endpoint, ContentType="text/csv", Accept="text/csv",
                           Body=b"70,1")
    e = ei.value.response
    assert e["Error"]["Code"] == "ModelError", e
    assert e["ResponseMetadata"]["HTTPStatusCode"] == 424
    assert e["Error"]["Message"] == (f'Received server error (0) from primary with message '
                                     f'"{TIMEOUT_MSG}". {see_also(slow_endpoint)}')
    assert e["OriginalStatusCode"] == 0
    assert e["OriginalMessage"] == TIMEOUT_MSG
    assert e["LogStreamArn"] == (f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:"
                                 f"/aws/sagemaker/Endpoints/{slow_endpoint}")

    # Afterwards the endpoint answers: at once (a second instance, or a
    # second worker, on AWS), or once the model's sleep ends (~10 s later)
    # with sagelite's one worker per instance.  Then again, at full speed.
    for _ in range(2):
        r = rt.invoke_endpoint(EndpointName=slow_endpoint, ContentType="text/csv",
                               Accept="text/csv", Body=b"1,1\n2,2")
        assert r["Body"].read().decode().split() == ["2.0", "4.0"]


# ---- content types the container does not speak ------------------------------------

def test_unsupported_content_type_is_415(slow_endpoint, rt):
    with pytest.raises(ClientError) as ei:
        rt.invoke_endpoint(EndpointName=slow_endpoint, ContentType="image/jpeg", Body=b"\xff\xd8\xff")
    e = ei.value.response
    assert e["Error"]["Code"] == "ModelError"
    assert e["ResponseMetadata"]["HTTPStatusCode"] == 424
    assert e["OriginalStatusCode"] == 415
    assert e["Error"]["Message"].startswith('Received client error (415) from primary with message "')
    body = json.loads(e["OriginalMessage"])
    assert body["error"] == "UnsupportedFormatError"
    assert body["error-message"].startswith(
        "Content type image/jpeg is not supported by this framework.")


def test_unsupported_accept_is_406(slow_endpoint, rt):
    with pytest.raises(ClientError) as ei:
        rt.invoke_endpoint(EndpointName=slow_endpoint, ContentType="text/csv", Accept="image/png",
                           Body=b"1,2")
    e = ei.value.response
    assert e["Error"]["Code"] == "ModelError"
    assert e["OriginalStatusCode"] == 406
    assert e["Error"]["Message"].startswith('Received client error (406) from primary with message "')
    assert json.loads(e["OriginalMessage"])["error-message"].startswith(
        "Content type image/png is not supported by this framework.")


# ---- the PyTorch moon notebook through SDK v2 ------------------------------------

@pytest.mark.timeout(420)
def test_sdk_pytorch_moon_deploys_and_predicts(moon_flow, sm, server):
    r = moon_flow()
    assert r["error"] is None, r["error"] + "\n" + r["stderr"][-4000:]
    assert r["version"].startswith("2.")
    assert r["blocked"] == [], r["blocked"]
    # PyTorchModel repacked the trained model with predict.py into a new tarball.
    assert r["model_data"].endswith(f"{r['job_name']}/output/model.tar.gz")
    assert r["deployed_model_data"] != r["model_data"]
    labels = [int(float(line.split(",")[0])) for line in (MOON / "test.csv").read_text().split()]
    preds = r["predictions"]
    assert len(preds) == len(labels) == 150
    assert set(preds) <= {0.0, 1.0}, set(preds)
    accuracy = sum(int(p) == want for p, want in zip(preds, labels)) / len(labels)
    assert accuracy >= 0.75, accuracy
    sm.get_waiter("endpoint_deleted").wait(EndpointName=r["endpoint"],
                                           WaiterConfig={"Delay": 1, "MaxAttempts": 30})
