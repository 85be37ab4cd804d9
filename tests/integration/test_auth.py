"""Authentication: SigV4 header and query, SigV2 query, skew, expiry, and
the lenient / strict key modes, with each protocol's error names."""
import datetime
import time

import pytest
import requests
from botocore.exceptions import ClientError

from sigv4_helpers import (botocore_signed, flip_signature, s3_error_code,
                           sagemaker_json_headers, sigv4_headers)


def client_error(call):
    """Run call, which must raise ClientError; return its response."""
    with pytest.raises(ClientError) as e:
        call()
    return e.value.response


def status(resp):
    return resp["ResponseMetadata"]["HTTPStatusCode"]


# -- wrong secret, through boto3 -------------------------------------------

def test_wrong_secret_s3(daemon):
    """S3 with a wrong secret: 403 SignatureDoesNotMatch."""
    r = client_error(lambda: daemon.client("s3", secret="wrong").list_buckets())
    assert r["Error"]["Code"] == "SignatureDoesNotMatch"
    assert status(r) == 403


def test_wrong_secret_sagemaker(daemon):
    """SageMaker (JSON) with a wrong secret: 403 InvalidSignatureException,
    checked before the operation is looked up."""
    r = client_error(lambda: daemon.client("sagemaker", secret="wrong").list_training_jobs())
    assert r["Error"]["Code"] == "InvalidSignatureException"
    assert status(r) == 403


def test_wrong_secret_sagemaker_runtime(daemon):
    """sagemaker-runtime with a wrong secret: 403 InvalidSignatureException."""
    rt = daemon.client("sagemaker-runtime", secret="wrong")
    r = client_error(lambda: rt.invoke_endpoint(EndpointName="e", Body=b"x"))
    assert r["Error"]["Code"] == "InvalidSignatureException"
    assert status(r) == 403


def test_wrong_secret_logs(daemon):
    """CloudWatch Logs (JSON) with a wrong secret: 403 InvalidSignatureException."""
    r = client_error(lambda: daemon.client("logs", secret="wrong").describe_log_groups())
    assert r["Error"]["Code"] == "InvalidSignatureException"
    assert status(r) == 403


def test_wrong_secret_runtime_get(daemon):
    """GET on an invocations path with a wrong signature: the auth error
    (403), not the method error."""
    url = daemon.url + "/endpoints/e1/invocations"
    headers = sigv4_headers("GET", url, "sagemaker", secret="wrong")
    r = requests.get(url, headers=headers, timeout=10)
    assert r.status_code == 403
    assert r.json()["__type"] == "InvalidSignatureException"


def test_runtime_get_is_405(daemon):
    """GET on an invocations path, correctly signed: 405 in JSON."""
    url = daemon.url + "/endpoints/e1/invocations"
    r = requests.get(url, headers=sigv4_headers("GET", url, "sagemaker"), timeout=10)
    assert r.status_code == 405
    assert r.json()["__type"] == "MethodNotAllowed"


def test_wrong_secret_sts(daemon):
    """STS (query protocol) with a wrong secret: 403 SignatureDoesNotMatch."""
    r = client_error(lambda: daemon.client("sts", secret="wrong").get_caller_identity())
    assert r["Error"]["Code"] == "SignatureDoesNotMatch"
    assert status(r) == 403


# -- hand-signed requests ---------------------------------------------------

def test_own_signer_is_accepted(daemon):
    """Control for the tests below: the suite's own signer, signing now,
    produces a request the daemon accepts."""
    url = daemon.url + "/"
    r = requests.get(url, headers=sigv4_headers("GET", url, "s3"), timeout=10)
    assert r.status_code == 200, r.text
    assert b"<ListAllMyBucketsResult" in r.content


def test_tampered_signature_s3(daemon):
    """A botocore-signed S3 request with one signature digit changed: 403."""
    url = daemon.url + "/"
    headers = botocore_signed("GET", url, "s3")
    assert requests.get(url, headers=headers, timeout=10).status_code == 200
    headers["Authorization"] = flip_signature(headers["Authorization"])
    r = requests.get(url, headers=headers, timeout=10)
    assert r.status_code == 403
    assert s3_error_code(r.content) == "SignatureDoesNotMatch"


def test_tampered_signature_sagemaker(daemon):
    """A botocore-signed SageMaker request with a changed digit: 403
    InvalidSignatureException in JSON."""
    url = daemon.url + "/"
    headers = botocore_signed("POST", url, "sagemaker", body=b"{}",
                              headers=sagemaker_json_headers("ListTrainingJobs"))
    headers["Authorization"] = flip_signature(headers["Authorization"])
    r = requests.post(url, headers=headers, data=b"{}", timeout=10)
    assert r.status_code == 403
    assert r.json()["__type"] == "InvalidSignatureException"


def test_tampered_body_sagemaker(daemon):
    """The JSON signature covers the body: same headers, other body: 403."""
    url = daemon.url + "/"
    headers = botocore_signed("POST", url, "sagemaker", body=b"{}",
                              headers=sagemaker_json_headers("ListTrainingJobs"))
    r = requests.post(url, headers=headers, data=b'{"MaxResults":1}', timeout=10)
    assert r.status_code == 403
    assert r.json()["__type"] == "InvalidSignatureException"


TWENTY_MIN_AGO = datetime.timedelta(minutes=-20)


def test_skewed_request_s3(daemon):
    """An S3 request signed 20 minutes ago: 403 RequestTimeTooSkewed."""
    url = daemon.url + "/"
    when = datetime.datetime.now(datetime.timezone.utc) + TWENTY_MIN_AGO
    r = requests.get(url, headers=sigv4_headers("GET", url, "s3", when=when), timeout=10)
    assert r.status_code == 403
    assert s3_error_code(r.content) == "RequestTimeTooSkewed"


def test_request_from_the_future_s3(daemon):
    """An S3 request dated 20 minutes ahead is refused the same way."""
    url = daemon.url + "/"
    when = datetime.datetime.now(datetime.timezone.utc) - TWENTY_MIN_AGO
    r = requests.get(url, headers=sigv4_headers("GET", url, "s3", when=when), timeout=10)
    assert r.status_code == 403
    assert s3_error_code(r.content) == "RequestTimeTooSkewed"


def test_skewed_request_sagemaker(daemon):
    """A SageMaker request signed 20 minutes ago: 403
    InvalidSignatureException 'Signature expired: ...'."""
    url = daemon.url + "/"
    when = datetime.datetime.now(datetime.timezone.utc) + TWENTY_MIN_AGO
    headers = sigv4_headers("POST", url, "sagemaker", body=b"{}", when=when,
                            headers=sagemaker_json_headers("ListTrainingJobs"))
    r = requests.post(url, headers=headers, data=b"{}", timeout=10)
    assert r.status_code == 403
    body = r.json()
    assert body["__type"] == "InvalidSignatureException"
    assert body["message"].startswith("Signature expired: " + headers["X-Amz-Date"])


def test_missing_auth_sagemaker(daemon):
    """An unsigned SageMaker call: 403 MissingAuthenticationTokenException."""
    r = requests.post(daemon.url + "/", data=b"{}",
                      headers=sagemaker_json_headers("ListTrainingJobs"), timeout=10)
    assert r.status_code == 403
    assert r.json()["__type"] == "MissingAuthenticationTokenException"


def test_anonymous_s3_is_access_denied(daemon):
    """An anonymous GET / answers 403 AccessDenied in S3 XML."""
    r = requests.get(daemon.url + "/", timeout=10)
    assert r.status_code == 403
    assert r.headers["Content-Type"] == "application/xml"
    assert s3_error_code(r.content) == "AccessDenied"


# -- presigned URLs ---------------------------------------------------------

def test_presigned_v4_fresh_url_works(daemon):
    """A fresh SigV4 presigned ListBuckets URL answers 200."""
    s3 = daemon.client("s3", signature_version="s3v4")
    url = s3.generate_presigned_url("list_buckets", ExpiresIn=300)
    assert "X-Amz-Signature=" in url
    r = requests.get(url, timeout=10)
    assert r.status_code == 200, r.text
    assert b"<ListAllMyBucketsResult" in r.content


def test_presigned_v2_fresh_url_works(daemon):
    """A fresh SigV2 presigned URL (boto3's default for presigning) answers 200."""
    s3 = daemon.client("s3", signature_version="s3")
    url = s3.generate_presigned_url("list_buckets", ExpiresIn=300)
    assert "AWSAccessKeyId=" in url and "Signature=" in url
    r = requests.get(url, timeout=10)
    assert r.status_code == 200, r.text


def test_presigned_v4_tampered_url_refused(daemon):
    """Changing a presigned URL's expiry invalidates its signature."""
    s3 = daemon.client("s3", signature_version="s3v4")
    url = s3.generate_presigned_url("list_buckets", ExpiresIn=300)
    assert "X-Amz-Expires=300" in url
    r = requests.get(url.replace("X-Amz-Expires=300", "X-Amz-Expires=301"), timeout=10)
    assert r.status_code == 403
    assert s3_error_code(r.content) == "SignatureDoesNotMatch"


@pytest.fixture(scope="module")
def expired_urls(daemon):
    """SigV4 and SigV2 presigned URLs that expired (one sleep for both)."""
    d = daemon
    v4 = d.client("s3", signature_version="s3v4").generate_presigned_url(
        "list_buckets", ExpiresIn=1)
    v2 = d.client("s3", signature_version="s3").generate_presigned_url(
        "list_buckets", ExpiresIn=1)
    time.sleep(2.2)
    return {"v4": v4, "v2": v2}


@pytest.mark.parametrize("form", ["v4", "v2"])
def test_presigned_url_expired(daemon, expired_urls, form):
    """An expired presigned URL: 403 AccessDenied 'Request has expired'."""
    r = requests.get(expired_urls[form], timeout=10)
    assert r.status_code == 403
    assert s3_error_code(r.content) == "AccessDenied"
    assert b"<Message>Request has expired</Message>" in r.content


# -- lenient and strict -----------------------------------------------------

def test_lenient_unknown_key_is_own_account(daemon):
    """Lenient: an unknown 12-digit key id is its own account."""
    sts = daemon.client("sts", key="123456789012", secret="anything")
    assert sts.get_caller_identity()["Account"] == "123456789012"


def test_lenient_unknown_key_can_list_buckets(daemon):
    """Lenient: an unknown key can call S3, as its own account."""
    r = daemon.client("s3", key="123456789012", secret="anything").list_buckets()
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert isinstance(r["Buckets"], list)
    assert r["Owner"]["DisplayName"] == "123456789012"
    assert r["Owner"]["ID"] != daemon.client("s3").list_buckets()["Owner"]["ID"]


def test_lenient_known_key_wrong_secret_s3(daemon):
    """Lenient: the built-in key with a wrong secret is still refused."""
    r = client_error(lambda: daemon.client("s3", key="test", secret="nope").list_buckets())
    assert r["Error"]["Code"] == "SignatureDoesNotMatch"


@pytest.fixture(scope="module")
def strict_daemon(module_daemon_factory):
    return module_daemon_factory("--auth", "strict")


def test_strict_unknown_key_s3(strict_daemon):
    """Strict: unknown key on S3: 403 InvalidAccessKeyId."""
    r = client_error(lambda: strict_daemon.client("s3", key="AKIDUNKNOWN").list_buckets())
    assert r["Error"]["Code"] == "InvalidAccessKeyId"
    assert status(r) == 403


def test_strict_unknown_key_sagemaker(strict_daemon):
    """Strict: unknown key on SageMaker: 400 UnrecognizedClientException."""
    sm = strict_daemon.client("sagemaker", key="AKIDUNKNOWN")
    r = client_error(lambda: sm.list_training_jobs())
    assert r["Error"]["Code"] == "UnrecognizedClientException"
    assert status(r) == 400


def test_strict_unknown_key_sts(strict_daemon):
    """Strict: unknown key on STS: 403 InvalidClientTokenId."""
    sts = strict_daemon.client("sts", key="AKIDUNKNOWN")
    r = client_error(lambda: sts.get_caller_identity())
    assert r["Error"]["Code"] == "InvalidClientTokenId"
    assert status(r) == 403


def test_strict_unknown_key_presigned(strict_daemon):
    """Strict: a presigned URL made with an unknown key: InvalidAccessKeyId."""
    s3 = strict_daemon.client("s3", key="AKIDUNKNOWN", signature_version="s3v4")
    r = requests.get(s3.generate_presigned_url("list_buckets", ExpiresIn=60), timeout=10)
    assert r.status_code == 403
    assert s3_error_code(r.content) == "InvalidAccessKeyId"


def test_strict_default_key_works(strict_daemon):
    """Strict: the built-in test/test key still works on every protocol."""
    assert strict_daemon.client("s3").list_buckets()["Buckets"] == []
    assert strict_daemon.client("sts").get_caller_identity()["Account"] == "000000000000"
