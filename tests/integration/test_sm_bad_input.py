"""Bad SageMaker input, sent as signed raw requests (boto3 refuses most of
it client-side): bodies that are not a JSON object, values of the wrong JSON
type, huge values and huge bodies, unknown members, and each kind of
constraint violation.  The answers are AWS's JSON 1.1 ones as
server/sagemaker/validate.c words them:

* not JSON / not an object → 400 SerializationException;
* a value of the wrong type → 400 SerializationException "NUMBER_VALUE can
  not be converted to a String" etc., before any constraint is looked at;
* constraint violations → 400 ValidationException "N validation error(s)
  detected: Value '…' at '…' failed to satisfy constraint: …", at most 10;
* a body over the 16 MiB ceiling → 413 RequestEntityTooLargeException;
* members the model does not declare, and nulls, are ignored: accepted and
  never echoed by Describe.

After every test the daemon still answers GET /_sagelite/health."""
import json
import re
import uuid

import pytest
import requests

from sigv4_helpers import (RawResponse, botocore_signed, build_raw, raw_http,
                           sagemaker_json_headers)

ROLE = "arn:aws:iam::000000000000:role/SageMakerRole"
IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"
JOB_NAME_PATTERN = "[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}"
MODEL_NAME_PATTERN = r"[a-zA-Z0-9]([\-a-zA-Z0-9]*[a-zA-Z0-9])?"
JSON_BODY_MAX = 16 * 1024 * 1024  # server/config.c max_json_body


def uniq(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def assert_healthy(daemon):
    daemon.check_alive()
    r = requests.get(daemon.url + "/_sagelite/health", timeout=10)
    assert r.status_code == 200 and r.json()["status"] == "ok", r.text


@pytest.fixture(autouse=True)
def _healthy_after(daemon):
    yield
    assert_healthy(daemon)


def post(daemon, op, body):
    """A signed SageMaker call with body (bytes, or JSON-encoded)."""
    if not isinstance(body, bytes):
        body = json.dumps(body).encode()
    url = daemon.url + "/"
    headers = botocore_signed("POST", url, "sagemaker", body=body,
                              headers=sagemaker_json_headers(op))
    return requests.post(url, headers=headers, data=body, timeout=60)


def error(resp, status=400):
    assert resp.status_code == status, resp.text[:2000]
    assert resp.headers["Content-Type"] == "application/x-amz-json-1.1"
    body = resp.json()
    assert resp.headers["x-amzn-ErrorType"] == body["__type"]
    return body["__type"], body["message"]


def model_request(name, **extra):
    return {"ModelName": name, "ExecutionRoleArn": ROLE,
            "PrimaryContainer": {"Image": IMAGE}, **extra}


def echo(text, limit=128):
    """validate.c's echo of a long value: its first 128 bytes, then '...'."""
    return text if len(text) <= limit else text[:limit] + "..."


def one_error(value, path, rule):
    shown = "null" if value is None else f"'{value}'"
    return (f"1 validation error detected: Value {shown} at '{path}' failed to satisfy "
            f"constraint: {rule}")


# ---- not a JSON object ---------------------------------------------------------

@pytest.mark.parametrize("body", [
    b"not json",
    b"[1, 2]",                                     # an array, not an object
    b'{"ModelName": "m", "ExecutionRoleArn": "',   # truncated
    b'{"ModelName": "m",}',                        # trailing comma
    b'"ModelName"',                                # a bare string
    b"\xff\xfe{}",                                 # not UTF-8
], ids=["garbage", "array", "truncated", "trailing-comma", "string", "binary"])
def test_body_not_a_json_object(daemon, body):
    code, _ = error(post(daemon, "CreateModel", body))
    assert code == "SerializationException"


def test_empty_body_is_an_empty_object(daemon):
    """No body at all reads as {}: the required member is reported."""
    code, msg = error(post(daemon, "DescribeModel", b""))
    assert code == "ValidationException"
    assert msg == one_error(None, "modelName", "Member must not be null")


# ---- wrong JSON types ------------------------------------------------------------

@pytest.mark.parametrize("op,body,message", [
    ("DescribeModel", {"ModelName": 5}, "NUMBER_VALUE can not be converted to a String"),
    ("DescribeModel", {"ModelName": True}, "TRUE_VALUE can not be converted to a String"),
    ("ListModels", {"MaxResults": "5"}, "STRING_VALUE can not be converted to an Integer"),
    ("CreateModel", model_request("m", Containers={"Image": IMAGE}),
     "Start of structure or map found where not expected."),
    ("CreateModel", {"ModelName": "m", "ExecutionRoleArn": ROLE, "PrimaryContainer": [IMAGE]},
     "Start of list found where not expected"),
    ("CreateModel", {"ModelName": "m", "ExecutionRoleArn": ROLE, "PrimaryContainer": IMAGE},
     "Expected null"),
    # A wrong type is reported even when constraints are broken too.
    ("CreateModel", {"ModelName": "bad_name!", "ExecutionRoleArn": 5},
     "NUMBER_VALUE can not be converted to a String"),
], ids=["number-for-string", "bool-for-string", "string-for-integer", "object-for-list",
        "list-for-structure", "scalar-for-structure", "type-before-constraints"])
def test_wrong_types(daemon, op, body, message):
    code, msg = error(post(daemon, op, body))
    assert (code, msg) == ("SerializationException", message)


def test_fraction_for_integer_is_truncated(daemon):
    """Java truncates 5.7 to 5 on the way in; no error."""
    r = post(daemon, "ListModels", {"MaxResults": 5.7})
    assert r.status_code == 200, r.text
    assert "Models" in r.json()


# ---- huge values and bodies --------------------------------------------------------

def test_one_megabyte_training_job_name(daemon):
    """A 1 MB name (boto3 sends it: botocore checks no maximum length): both
    rules it breaks, the value echoed in part."""
    name = "a" * (1 << 20)
    sm = daemon.client("sagemaker")
    with pytest.raises(sm.exceptions.ClientError) as e:
        sm.describe_training_job(TrainingJobName=name)
    err = e.value.response
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert err["Error"]["Code"] == "ValidationException"
    shown = echo(name)
    assert err["Error"]["Message"] == (
        f"2 validation errors detected: Value '{shown}' at 'trainingJobName' failed to satisfy "
        f"constraint: Member must have length less than or equal to 63; Value '{shown}' at "
        f"'trainingJobName' failed to satisfy constraint: Member must satisfy regular "
        f"expression pattern: {JOB_NAME_PATTERN}")


def name_body(size):
    """A CreateModel body of exactly size bytes (a huge ModelName)."""
    head, tail = b'{"ExecutionRoleArn": "' + ROLE.encode() + b'", "ModelName": "', b'"}'
    return head + b"a" * (size - len(head) - len(tail)) + tail


@pytest.mark.timeout(120)
@pytest.mark.parametrize("size", [10 * 1000 * 1000, JSON_BODY_MAX],
                         ids=["10MB", "16MiB"])
def test_big_body_under_the_ceiling_is_validated(daemon, size):
    """Bodies up to the 16 MiB ceiling are read, parsed and validated."""
    body = name_body(size)
    assert len(body) == size
    code, msg = error(post(daemon, "CreateModel", body))
    assert code == "ValidationException"
    assert msg.startswith(f"1 validation error detected: Value '{'a' * 128}...' at 'modelName' "
                          "failed to satisfy constraint: Member must have length less than or "
                          "equal to 63")


@pytest.mark.timeout(120)
@pytest.mark.parametrize("size", [JSON_BODY_MAX + 1, 20 * 1000 * 1000],
                         ids=["16MiB+1", "20MB"])
def test_body_over_the_ceiling_is_413(daemon, size):
    """Over 16 MiB: 413 RequestEntityTooLargeException, answered from the
    Content-Length before the body is read (the client may still be
    sending when the reply and the close come)."""
    body = name_body(size)
    url = daemon.url + "/"
    headers = botocore_signed("POST", url, "sagemaker", body=body,
                              headers=sagemaker_json_headers("CreateModel"))
    headers["Content-Length"] = str(len(body))
    resp = RawResponse(raw_http(daemon.port, build_raw("POST", "/", headers, body), timeout=60))
    assert resp.status == 413, resp
    assert json.loads(resp.body)["__type"] == "RequestEntityTooLargeException"
    assert resp.headers.get("x-amzn-errortype") == "RequestEntityTooLargeException"


# ---- unknown members ------------------------------------------------------------------

def test_unknown_members_are_ignored_not_echoed(daemon):
    """AWS ignores members its model does not declare (and nulls): the
    create succeeds and Describe shows none of them, at any depth.  A
    member named like an output field does not override it."""
    name = uniq("unknown")
    arn = f"arn:aws:sagemaker:us-east-1:000000000000:model/{name}"
    req = model_request(name, Bogus={"nested": [1, 2]}, VpcConfig=None,
                        ModelArn="arn:aws:sagemaker:us-east-1:000000000000:model/evil",
                        CreationTime=0)
    req["PrimaryContainer"] = {"Image": IMAGE, "Mode": None, "Extra": "x",
                               "Environment": {"A": "1"}}
    r = post(daemon, "CreateModel", req)
    assert r.status_code == 200, r.text
    assert r.json() == {"ModelArn": arn}

    raw = post(daemon, "DescribeModel", {"ModelName": name})
    assert raw.status_code == 200
    text = raw.text
    d = raw.json()
    assert "Bogus" not in d and "VpcConfig" not in d and "null" not in text
    assert d["PrimaryContainer"] == {"Image": IMAGE, "Environment": {"A": "1"}}
    assert text.count('"ModelArn"') == 1 and d["ModelArn"] == arn
    assert text.count('"CreationTime"') == 1 and d["CreationTime"] > 0
    assert set(d) == {"ModelName", "ExecutionRoleArn", "PrimaryContainer", "ModelArn",
                      "EnableNetworkIsolation", "CreationTime"}
    # boto3 reads it like any other model.
    assert daemon.client("sagemaker").describe_model(ModelName=name)["ModelArn"] == arn


def test_unknown_members_in_lists_are_dropped(daemon):
    """Inside list items too (CreateTrainingJob's InputDataConfig)."""
    s3 = daemon.client("s3")
    bucket = uniq("badinput")
    s3.create_bucket(Bucket=bucket)
    name = uniq("unknown-train")
    req = {"TrainingJobName": name, "RoleArn": ROLE, "Unknown": 1,
           "AlgorithmSpecification": {"TrainingImage": IMAGE, "TrainingInputMode": "File",
                                      "Whatever": True},
           "InputDataConfig": [{"ChannelName": "train", "Junk": "x",
                                "DataSource": {"S3DataSource": {
                                    "S3DataType": "S3Prefix", "S3Uri": f"s3://{bucket}/in",
                                    "Junk2": 2}}}],
           "OutputDataConfig": {"S3OutputPath": f"s3://{bucket}/out"},
           "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1,
                              "VolumeSizeInGB": 5},
           "StoppingCondition": {"MaxRuntimeInSeconds": 600}}
    r = post(daemon, "CreateTrainingJob", req)
    assert r.status_code == 200, r.text
    d = post(daemon, "DescribeTrainingJob", {"TrainingJobName": name}).json()
    assert "Unknown" not in d
    assert "Whatever" not in d["AlgorithmSpecification"]
    (ch,) = d["InputDataConfig"]
    assert "Junk" not in ch and "Junk2" not in ch["DataSource"]["S3DataSource"]
    assert ch["DataSource"]["S3DataSource"]["S3Uri"] == f"s3://{bucket}/in"
    # What the daemon adds is still there.
    assert d["TrainingJobArn"].endswith(f":training-job/{name}")
    assert d["OutputDataConfig"]["KmsKeyId"] == ""
    assert d["StoppingCondition"] == {"MaxRuntimeInSeconds": 600}


# ---- constraint violations: one of each kind --------------------------------------------

SG = [f"sg-{i}" for i in range(6)]
ENV = {f"K{i:03d}": "v" for i in range(101)}
ENV_ECHO = echo("{" + ", ".join(f"{k}={v}" for k, v in ENV.items()) + "}")

CONSTRAINTS = [
    ("pattern", "CreateModel", model_request("bad_name"),
     one_error("bad_name", "modelName",
               f"Member must satisfy regular expression pattern: {MODEL_NAME_PATTERN}")),
    ("enum", "ListModels", {"SortBy": "Size"},
     one_error("Size", "sortBy", "Member must satisfy enum value set: [Name, CreationTime]")),
    ("min-length", "CreateModel", model_request("m-tags", Tags=[{"Key": "", "Value": "v"}]),
     one_error("", "tags.1.member.key", "Member must have length greater than or equal to 1")),
    ("max-length", "CreateModel", model_request("m-tags", Tags=[{"Key": "k", "Value": "v" * 257}]),
     one_error(echo("v" * 257), "tags.1.member.value",
               "Member must have length less than or equal to 256")),
    ("min-value", "ListModels", {"MaxResults": 0},
     one_error("0", "maxResults", "Member must have value greater than or equal to 1")),
    ("max-value", "ListModels", {"MaxResults": 101},
     one_error("101", "maxResults", "Member must have value less than or equal to 100")),
    ("list-too-long", "CreateModel",
     model_request("m-vpc", VpcConfig={"SecurityGroupIds": SG, "Subnets": ["subnet-1"]}),
     one_error("[" + ", ".join(SG) + "]", "vpcConfig.securityGroupIds",
               "Member must have length less than or equal to 5")),
    ("map-too-large", "CreateModel",
     {"ModelName": "m-env", "ExecutionRoleArn": ROLE,
      "PrimaryContainer": {"Image": IMAGE, "Environment": ENV}},
     one_error(ENV_ECHO, "primaryContainer.environment",
               "Member must have length less than or equal to 100")),
    ("required-missing", "CreateEndpointConfig", {"EndpointConfigName": "c-none"},
     one_error(None, "productionVariants", "Member must not be null")),
    ("required-null", "CreateEndpointConfig",
     {"EndpointConfigName": "c-null", "ProductionVariants": None},
     one_error(None, "productionVariants", "Member must not be null")),
]


@pytest.mark.parametrize("op,body,message", [c[1:] for c in CONSTRAINTS],
                         ids=[c[0] for c in CONSTRAINTS])
def test_constraint_violation_messages(daemon, op, body, message):
    code, msg = error(post(daemon, op, body))
    assert (code, msg) == ("ValidationException", message)


def test_several_violations_in_one_message(daemon):
    """Every violation in one message, in document order; a member's length
    rule before its pattern rule."""
    code, msg = error(post(daemon, "CreateModel",
                           model_request("x" * 64 + "_", Tags=[{"Key": "", "Value": "v"}])))
    assert code == "ValidationException"
    shown = "x" * 64 + "_"
    assert msg == (
        f"3 validation errors detected: Value '{shown}' at 'modelName' failed to satisfy "
        f"constraint: Member must have length less than or equal to 63; Value '{shown}' at "
        f"'modelName' failed to satisfy constraint: Member must satisfy regular expression "
        f"pattern: {MODEL_NAME_PATTERN}; Value '' at 'tags.1.member.key' failed to satisfy "
        f"constraint: Member must have length greater than or equal to 1")


def test_eleven_violations_report_ten(daemon):
    """AWS reports at most 10: eleven bad tag keys say '10 validation
    errors detected' and list the first ten."""
    code, msg = error(post(daemon, "CreateModel",
                           model_request("m-eleven", Tags=[{"Key": "", "Value": "v"}] * 11)))
    assert code == "ValidationException"
    items = [f"Value '' at 'tags.{i}.member.key' failed to satisfy constraint: Member must "
             f"have length greater than or equal to 1" for i in range(1, 11)]
    assert msg == "10 validation errors detected: " + "; ".join(items)


def test_rejected_creates_leave_nothing_behind(daemon):
    """None of the refused creates above created anything."""
    sm = daemon.client("sagemaker")
    for _, op, body, _ in CONSTRAINTS:
        if op == "CreateModel" and re.fullmatch(MODEL_NAME_PATTERN, body["ModelName"]):
            with pytest.raises(sm.exceptions.ClientError) as e:
                sm.describe_model(ModelName=body["ModelName"])
            assert e.value.response["Error"]["Message"].startswith("Could not find model")
        elif op == "CreateEndpointConfig":
            with pytest.raises(sm.exceptions.ClientError) as e:
                sm.describe_endpoint_config(EndpointConfigName=body["EndpointConfigName"])
            assert e.value.response["Error"]["Message"].startswith(
                "Could not find endpoint configuration")
