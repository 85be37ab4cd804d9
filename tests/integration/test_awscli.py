"""The aws CLI (v1, from the venv) as a subprocess."""
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import clean_env

AWS = Path(sys.executable).with_name("aws")


def aws(daemon, *args, secret="test", tmp_path):
    env = clean_env({
        "AWS_ENDPOINT_URL": daemon.url,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": secret,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": str(tmp_path / "no-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-credentials"),
        "AWS_MAX_ATTEMPTS": "1",
        "AWS_PAGER": "",
    })
    return subprocess.run([str(AWS), *args], capture_output=True, text=True, env=env,
                          timeout=60)


@pytest.fixture(autouse=True)
def _need_aws_cli():
    assert AWS.exists(), f"aws CLI not found at {AWS} (scripts/install-deps.sh --test)"


def test_aws_s3_ls_empty(start_daemon, tmp_path):
    """`aws s3 ls` on a fresh store exits 0 and prints nothing."""
    r = aws(start_daemon(), "s3", "ls", tmp_path=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == ""


def test_aws_sts_get_caller_identity(daemon, tmp_path):
    """`aws sts get-caller-identity` prints the default account."""
    r = aws(daemon, "sts", "get-caller-identity", "--output", "text",
            "--query", "Account", tmp_path=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "000000000000"


def test_aws_cli_wrong_secret_fails(daemon, tmp_path):
    """A wrong secret makes the CLI fail with SignatureDoesNotMatch."""
    r = aws(daemon, "s3", "ls", secret="not-the-secret", tmp_path=tmp_path)
    assert r.returncode != 0
    assert "SignatureDoesNotMatch" in r.stderr
