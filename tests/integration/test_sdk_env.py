"""Zero-edit notebooks: after `eval "$(sagelite env)"` the first cell of the
course notebooks — Session(), get_execution_role(), default_bucket(),
upload_data() — works unmodified with the SageMaker SDK v1.72.0, the latest
2.x and the latest 3.x (each in its own venv, installed by
scripts/install-deps.sh --test), and nothing tries to reach a non-local
host (tests/sdk/netguard.py refuses and records any such attempt)."""
import json
import os
import pathlib
import subprocess

import pytest

from conftest import REPO, clean_env, run_cli

SDK_VENVS = {"v1": ".venv-sdk1", "v2": ".venv-sdk2", "v3": ".venv-sdk3"}
EXPECTED_MAJOR = {"v1": "1.72.0", "v2": "2.", "v3": "3."}


def env_from_sagelite(daemon):
    out = run_cli("env", "--listen", f"127.0.0.1:{daemon.port}", "--data-dir",
                  str(daemon.data_dir), check=True).stdout
    env = clean_env()
    script = out + "\nenv -0"
    raw = subprocess.run(["bash", "-c", script], env=env, capture_output=True, check=True).stdout
    return dict(line.split("=", 1) for line in raw.decode().split("\0") if "=" in line)


@pytest.mark.parametrize("sdk", sorted(SDK_VENVS))
def test_course_first_cell_runs_offline(daemon, sdk):
    python = pathlib.Path(REPO, SDK_VENVS[sdk], "bin", "python")
    assert python.exists(), f"{python} missing: run scripts/install-deps.sh --test"
    env = env_from_sagelite(daemon)
    env["SAGEMAKER_SUPPRESS_V2_WARNING"] = "1"
    proc = subprocess.run([str(python), str(pathlib.Path(REPO, "tests/sdk/session_flow.py"))],
                          env=env, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["version"].startswith(EXPECTED_MAJOR[sdk])
    assert result["role"] == "arn:aws:iam::000000000000:role/SageMakerRole"
    assert result["bucket"] == "sagemaker-us-east-1-000000000000"
    assert result["uri"] == "s3://sagemaker-us-east-1-000000000000/sagelite-env-test/" + \
        os.path.basename(result["uri"])
    assert result["blocked"] == [], f"tried to reach non-local hosts: {result['blocked']}"
    s3 = daemon.client("s3")
    key = result["uri"].split("/", 3)[3]
    assert s3.get_object(Bucket=result["bucket"], Key=key)["Body"].read() == b"0,1.5,2.5\n1,3.5,4.5\n"


def test_env_exports_everything_a_client_needs(daemon):
    env = env_from_sagelite(daemon)
    assert env["AWS_ENDPOINT_URL"] == f"http://127.0.0.1:{daemon.port}"
    assert env["AWS_ACCESS_KEY_ID"] == "test" and env["AWS_SECRET_ACCESS_KEY"] == "test"
    assert env["AWS_DEFAULT_REGION"] == "us-east-1"
    assert env["AWS_EC2_METADATA_DISABLED"] == "true"
    shim = pathlib.Path(env["PYTHONPATH"].split(":")[0], "sitecustomize.py")
    assert shim.is_file() and "sts_regional_endpoint" in shim.read_text()
    assert "TelemetryOptOut: true" in pathlib.Path(env["SAGEMAKER_USER_CONFIG_OVERRIDE"]).read_text()
