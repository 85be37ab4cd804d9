"""STS and IAM (query protocol) through boto3, the aws CLI and raw HTTP.

The SageMaker SDK's get_execution_role() needs GetCallerIdentity to answer
an assumed-role ARN and then reads Role.Arn from IAM GetRole (wire-trace
§10, gotcha 2); v3 also calls SimulatePrincipalPolicy."""
import json
import subprocess
import sys
import urllib.parse
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from conftest import clean_env

AWS = Path(sys.executable).with_name("aws")
ACCOUNT = "000000000000"
TRUST = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"},
    "Action": "sts:AssumeRole"}]}


@pytest.fixture
def sts(daemon):
    return daemon.client("sts")


@pytest.fixture
def iam(daemon):
    return daemon.client("iam")


def error_code(exc_info):
    return exc_info.value.response["Error"]["Code"]


# ---- STS ------------------------------------------------------------------

def test_get_caller_identity(sts):
    r = sts.get_caller_identity()
    assert r["Account"] == ACCOUNT
    assert r["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/SageMakerRole/sagelite"
    assert r["UserId"]


def test_assume_role(daemon, sts):
    arn = f"arn:aws:iam::{ACCOUNT}:role/service-role/MyRole"
    r = sts.assume_role(RoleArn=arn, RoleSessionName="my-session", DurationSeconds=900)
    c = r["Credentials"]
    assert c["AccessKeyId"].startswith("ASIA") and len(c["AccessKeyId"]) == 20
    assert len(c["SecretAccessKey"]) == 40
    assert c["SessionToken"]
    assert c["Expiration"].tzinfo is not None
    assert r["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/MyRole/my-session"
    assert r["AssumedRoleUser"]["AssumedRoleId"].startswith("AROA")
    assert r["AssumedRoleUser"]["AssumedRoleId"].endswith(":my-session")
    # The temporary keys are keys of the account.
    sts2 = daemon.client("sts", key=c["AccessKeyId"], secret=c["SecretAccessKey"])
    assert sts2.get_caller_identity()["Account"] == ACCOUNT


def test_assume_role_strict_auth(start_daemon):
    """Under --auth strict the minted keys sign requests like any key."""
    d = start_daemon("--auth", "strict")
    c = d.client("sts").assume_role(RoleArn=f"arn:aws:iam::{ACCOUNT}:role/R",
                                    RoleSessionName="s1")["Credentials"]
    assert d.client("sts", key=c["AccessKeyId"],
                    secret=c["SecretAccessKey"]).get_caller_identity()["Account"] == ACCOUNT
    with pytest.raises(ClientError):
        d.client("sts", key=c["AccessKeyId"], secret="wrong").get_caller_identity()


def test_assume_role_errors(sts):
    with pytest.raises(ClientError) as e:
        sts.assume_role(RoleArn="not-an-arn-but-long-enough", RoleSessionName="s1")
    assert error_code(e) == "ValidationError"
    with pytest.raises(ClientError) as e:
        sts.assume_role(RoleArn=f"arn:aws:iam::{ACCOUNT}:role/R", RoleSessionName="bad name!")
    assert error_code(e) == "ValidationError"
    with pytest.raises(ClientError) as e:
        sts.assume_role(RoleArn=f"arn:aws:iam::{ACCOUNT}:role/R", RoleSessionName="s1",
                        DurationSeconds=50000)
    assert error_code(e) == "ValidationError"


def test_get_session_token(sts):
    r = sts.get_session_token(DurationSeconds=3600)
    c = r["Credentials"]
    assert c["AccessKeyId"].startswith("ASIA")
    assert c["SecretAccessKey"] and c["SessionToken"] and c["Expiration"]
    assert sts.get_session_token()["Credentials"]["AccessKeyId"] != c["AccessKeyId"]


def test_unknown_action(sts):
    with pytest.raises(ClientError) as e:
        sts.get_federation_token(Name="xx")
    assert error_code(e) == "InvalidAction"


def signed(daemon, method, service, params=None, body=None):
    """A SigV4-signed request by hand (GET with a query string, or POST)."""
    url = daemon.url + "/"
    headers = {}
    if params is not None:
        url += "?" + urllib.parse.urlencode(params)
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8"
        body = urllib.parse.urlencode(body)
    req = AWSRequest(method=method, url=url, data=body, headers=headers)
    SigV4Auth(Credentials("test", "test"), service, "us-east-1").add_auth(req)
    return requests.request(method, url, data=body, headers=dict(req.headers), timeout=10)


def test_query_protocol_get(daemon):
    """AWS takes query-protocol parameters in a GET's query string too."""
    r = signed(daemon, "GET", "sts", {"Action": "GetCallerIdentity", "Version": "2011-06-15"})
    assert r.status_code == 200, r.text
    root = ET.fromstring(r.text)
    ns = {"s": "https://sts.amazonaws.com/doc/2011-06-15/"}
    assert root.find("s:GetCallerIdentityResult/s:Account", ns).text == ACCOUNT
    r = signed(daemon, "GET", "iam", {"Action": "GetRole", "RoleName": "ViaGet",
                                      "Version": "2010-05-08"})
    assert r.status_code == 200, r.text
    assert "arn:aws:iam::000000000000:role/ViaGet" in r.text
    r = signed(daemon, "GET", "iam", {"Action": "NoSuchAction", "Version": "2010-05-08"})
    assert r.status_code == 400
    assert "<Code>InvalidAction</Code>" in r.text
    r = signed(daemon, "POST", "sts", body={"Action": "GetCallerIdentity",
                                            "Version": "2011-06-15"})
    assert r.status_code == 200, r.text


# ---- IAM ------------------------------------------------------------------

def test_get_role_any_name(iam):
    r = iam.get_role(RoleName="SageMakerRole")["Role"]
    assert r["RoleName"] == "SageMakerRole"
    assert r["Path"] == "/"
    assert r["Arn"] == f"arn:aws:iam::{ACCOUNT}:role/SageMakerRole"
    assert r["RoleId"].startswith("AROA")
    assert r["MaxSessionDuration"] == 3600
    assert r["CreateDate"].year >= 2020
    # boto3 decodes the URL-encoded document into a dict.
    doc = r["AssumeRolePolicyDocument"]
    assert doc["Statement"][0]["Principal"]["Service"] == "sagemaker.amazonaws.com"
    other = iam.get_role(RoleName="AnyRoleAtAll")["Role"]
    assert other["Arn"] == f"arn:aws:iam::{ACCOUNT}:role/AnyRoleAtAll"
    assert other["RoleId"] != r["RoleId"]
    assert iam.get_role(RoleName="AnyRoleAtAll")["Role"]["RoleId"] == other["RoleId"]
    with pytest.raises(ClientError) as e:
        iam.get_role(RoleName="bad name")
    assert error_code(e) == "ValidationError"


def test_create_role(iam):
    name = f"Role-{uuid.uuid4().hex[:8]}"
    trust = json.dumps(TRUST)
    r = iam.create_role(RoleName=name, Path="/service-role/", AssumeRolePolicyDocument=trust,
                        Description="for tests", MaxSessionDuration=7200)["Role"]
    assert r["Arn"] == f"arn:aws:iam::{ACCOUNT}:role/service-role/{name}"
    assert r["Path"] == "/service-role/"
    got = iam.get_role(RoleName=name)["Role"]
    assert got["Arn"] == r["Arn"]
    assert got["RoleId"] == r["RoleId"]
    assert got["CreateDate"] == r["CreateDate"]
    assert got["AssumeRolePolicyDocument"] == TRUST
    assert got["Description"] == "for tests"
    assert got["MaxSessionDuration"] == 7200
    # Role names are unique without regard to case: 409 EntityAlreadyExists.
    for dup in (name, name.upper()):
        with pytest.raises(ClientError) as e:
            iam.create_role(RoleName=dup, AssumeRolePolicyDocument=trust)
        assert error_code(e) == "EntityAlreadyExists"
        assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409
    with pytest.raises(ClientError) as e:
        iam.create_role(RoleName=name + "x", AssumeRolePolicyDocument="{not json")
    assert error_code(e) == "MalformedPolicyDocument"
    with pytest.raises(ClientError) as e:
        iam.create_role(RoleName=name + "y", AssumeRolePolicyDocument=trust, Path="no-slash")
    assert error_code(e) == "ValidationError"
    iam.delete_role(RoleName=name)
    with pytest.raises(ClientError) as e:
        iam.delete_role(RoleName=name)
    assert error_code(e) == "NoSuchEntity"
    # Back to an implicit role.
    assert iam.get_role(RoleName=name)["Role"]["Path"] == "/"


def test_list_roles(start_daemon):
    d = start_daemon()
    iam = d.client("iam")
    r = iam.list_roles()
    assert r["IsTruncated"] is False
    assert [x["RoleName"] for x in r["Roles"]] == ["SageMakerRole"]
    for n in ("zeta", "Alpha"):
        iam.create_role(RoleName=n, AssumeRolePolicyDocument=json.dumps(TRUST))
    iam.create_role(RoleName="pathy", Path="/team/", AssumeRolePolicyDocument=json.dumps(TRUST))
    roles = iam.list_roles()["Roles"]
    assert [x["RoleName"] for x in roles] == ["Alpha", "pathy", "SageMakerRole", "zeta"]
    assert [x["RoleName"] for x in iam.list_roles(PathPrefix="/team/")["Roles"]] == ["pathy"]
    pages = iam.get_paginator("list_roles").paginate()
    assert len([x for p in pages for x in p["Roles"]]) == 4
    # A created SageMakerRole replaces the implicit one.
    iam.create_role(RoleName="SageMakerRole", Path="/sm/",
                    AssumeRolePolicyDocument=json.dumps(TRUST))
    roles = iam.list_roles()["Roles"]
    assert [x["Arn"] for x in roles if x["RoleName"] == "SageMakerRole"] == [
        f"arn:aws:iam::{ACCOUNT}:role/sm/SageMakerRole"]


def test_simulate_principal_policy(iam):
    arn = f"arn:aws:iam::{ACCOUNT}:role/SageMakerRole"
    r = iam.simulate_principal_policy(PolicySourceArn=arn,
                                      ActionNames=["s3:GetObject", "sagemaker:CreateTrainingJob"])
    assert r["IsTruncated"] is False
    res = r["EvaluationResults"]
    assert [(x["EvalActionName"], x["EvalResourceName"], x["EvalDecision"]) for x in res] == [
        ("s3:GetObject", "*", "allowed"), ("sagemaker:CreateTrainingJob", "*", "allowed")]
    r = iam.simulate_principal_policy(PolicySourceArn=arn, ActionNames=["s3:GetObject"],
                                      ResourceArns=["arn:aws:s3:::b/k1", "arn:aws:s3:::b/k2"])
    assert [x["EvalResourceName"] for x in r["EvaluationResults"]] == [
        "arn:aws:s3:::b/k1", "arn:aws:s3:::b/k2"]
    assert all(x["EvalDecision"] == "allowed" for x in r["EvaluationResults"])
    with pytest.raises(ClientError) as e:
        iam._make_api_call("SimulatePrincipalPolicy", {"PolicySourceArn": arn, "ActionNames": []})
    assert error_code(e) == "ValidationError"


def test_aws_cli_iam_get_role(daemon, tmp_path):
    assert AWS.exists(), f"aws CLI not found at {AWS}"
    env = clean_env({
        "AWS_ENDPOINT_URL": daemon.url,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": str(tmp_path / "no-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-credentials"),
        "AWS_MAX_ATTEMPTS": "1",
        "AWS_PAGER": "",
    })
    r = subprocess.run([str(AWS), "iam", "get-role", "--role-name", "SageMakerRole",
                        "--output", "json"], capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 0, r.stderr
    role = json.loads(r.stdout)["Role"]
    assert role["Arn"] == f"arn:aws:iam::{ACCOUNT}:role/SageMakerRole"
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Action"] == "sts:AssumeRole"
    r = subprocess.run([str(AWS), "sts", "assume-role", "--role-arn",
                        f"arn:aws:iam::{ACCOUNT}:role/SageMakerRole", "--role-session-name",
                        "cli", "--output", "json"],
                       capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["AssumedRoleUser"]["Arn"].endswith("assumed-role/SageMakerRole/cli")
