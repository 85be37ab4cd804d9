"""Real boto3 clients against the daemon, default credentials."""
import pytest
from botocore.exceptions import ClientError


def test_s3_list_buckets_empty_with_owner(start_daemon):
    """ListBuckets on a fresh store: no buckets, an Owner with ID and name."""
    r = start_daemon().client("s3").list_buckets()
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert r["Buckets"] == []
    assert r["Owner"]["ID"]
    assert r["Owner"]["DisplayName"] == "sagelite"


def test_sts_get_caller_identity_default_account(daemon):
    """GetCallerIdentity with test/test names account 000000000000."""
    r = daemon.client("sts").get_caller_identity()
    assert r["Account"] == "000000000000"
    assert r["Arn"] == "arn:aws:sts::000000000000:assumed-role/SageMakerRole/sagelite"
    assert r["UserId"]


def test_sagemaker_unimplemented_operation(daemon):
    """An operation without a handler answers UnknownOperationException 400."""
    with pytest.raises(ClientError) as e:
        daemon.client("sagemaker").list_compilation_jobs()
    err = e.value.response
    assert err["Error"]["Code"] == "UnknownOperationException"
    assert "ListCompilationJobs" in err["Error"]["Message"]
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_logs_unimplemented_operation(daemon):
    """CloudWatch Logs routes by X-Amz-Target and answers in JSON."""
    with pytest.raises(ClientError) as e:
        daemon.client("logs").describe_metric_filters()
    assert e.value.response["Error"]["Code"] == "UnknownOperationException"


def test_invoke_missing_endpoint_uses_aws_wording(daemon):
    """InvokeEndpoint on a missing endpoint: AWS's ValidationError text."""
    with pytest.raises(ClientError) as e:
        daemon.client("sagemaker-runtime").invoke_endpoint(
            EndpointName="no-such-endpoint", Body=b"1,2,3", ContentType="text/csv")
    err = e.value.response
    assert err["Error"]["Code"] == "ValidationError"
    assert err["Error"]["Message"] == \
        "Endpoint no-such-endpoint of account 000000000000 not found."
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 400

