"""Malformed and hostile requests, mostly over raw sockets.  Each gets a 4xx
in its protocol's error format (S3 XML <Error><Code>, or JSON __type), and
the daemon keeps serving afterwards."""
import json
import time

import pytest
import requests
from botocore.exceptions import ClientError

from sigv4_helpers import (RawResponse, botocore_signed, build_raw, raw_http, s3_error_code,
                           sagemaker_json_headers, sigv4_headers)


def assert_healthy(daemon):
    daemon.check_alive()
    r = requests.get(daemon.url + "/_sagelite/health", timeout=10)
    assert r.status_code == 200
    assert r.json()["status"] == "ok"


def raw(daemon, data, **kw):
    out = raw_http(daemon.port, data, **kw)
    return RawResponse(out)


def assert_s3_error(resp, status, code):
    assert resp.status == status, resp
    assert resp.headers.get("content-type") == "application/xml", resp
    assert resp.headers.get("x-amz-request-id"), resp
    assert s3_error_code(resp.body) == code, resp


def host(daemon):
    return f"127.0.0.1:{daemon.port}"


def test_garbage_authorization_header_s3(daemon):
    """'Authorization: AWS4-HMAC-SHA256 garbage' on S3: 400
    AuthorizationHeaderMalformed in XML."""
    resp = raw(daemon, build_raw("GET", "/", {
        "Host": host(daemon), "Authorization": "AWS4-HMAC-SHA256 garbage",
        "X-Amz-Date": "20240101T000000Z"}))
    assert_s3_error(resp, 400, "AuthorizationHeaderMalformed")
    assert_healthy(daemon)


def test_garbage_authorization_header_sagemaker(daemon):
    """The same broken header on a SageMaker call: 400
    IncompleteSignatureException in JSON."""
    body = b"{}"
    resp = raw(daemon, build_raw("POST", "/", {
        "Host": host(daemon), "Authorization": "AWS4-HMAC-SHA256 garbage",
        "Content-Length": str(len(body)), **sagemaker_json_headers("ListTrainingJobs")}, body))
    assert resp.status == 400, resp
    assert json.loads(resp.body)["__type"] == "IncompleteSignatureException"
    assert_healthy(daemon)


def test_unsupported_authorization_scheme(daemon):
    """'Authorization: Bearer x' on S3: 400 in S3 XML."""
    resp = raw(daemon, build_raw("GET", "/", {"Host": host(daemon),
                                              "Authorization": "Bearer abc"}))
    assert_s3_error(resp, 400, "AuthorizationHeaderMalformed")
    assert_healthy(daemon)


def test_one_megabyte_of_headers(daemon):
    """1000 headers of 1 KB each: 400 RequestHeaderSectionTooLarge (S3 XML)."""
    headers = {"Host": host(daemon)}
    headers.update({f"X-Filler-{i}": "a" * 1000 for i in range(1000)})
    resp = raw(daemon, build_raw("GET", "/", headers))
    assert_s3_error(resp, 400, "RequestHeaderSectionTooLarge")
    assert_healthy(daemon)


def test_one_huge_header(daemon):
    """A single 1 MB header: 400 RequestHeaderSectionTooLarge (S3 XML)."""
    resp = raw(daemon, build_raw("GET", "/", {"Host": host(daemon), "X-Huge": "b" * (1 << 20)}))
    assert_s3_error(resp, 400, "RequestHeaderSectionTooLarge")
    assert_healthy(daemon)


def test_uri_too_long(daemon):
    """A 20 KB request target: 414 in S3 XML."""
    resp = raw(daemon, build_raw("GET", "/" + "k" * 20000, {"Host": host(daemon)}))
    assert resp.status == 414, resp
    assert s3_error_code(resp.body)
    assert_healthy(daemon)


def test_invalid_utf8_path(daemon):
    """Raw bytes 0xFF 0xFE in the path: 400 InvalidRequest (S3 XML)."""
    resp = raw(daemon, build_raw("GET", b"/bucket/\xff\xfe", {"Host": host(daemon)}))
    assert_s3_error(resp, 400, "InvalidRequest")
    assert_healthy(daemon)


def test_non_numeric_content_length(daemon):
    """Content-Length: abc is refused with 400 and the daemon stays up.

    libmicrohttpd rejects this header itself, before sagelite sees the
    request, so the body is its HTML page, not S3 XML (see the report)."""
    resp = raw(daemon, build_raw("PUT", "/bucket/key", {"Host": host(daemon),
                                                        "Content-Length": "abc"}))
    assert resp.status == 400, resp
    assert_healthy(daemon)


def test_content_length_beyond_parse_limit(daemon):
    """Content-Length 10^19 (a number libmicrohttpd accepts, too large for
    sagelite): 400 InvalidRequest in S3 XML."""
    resp = raw(daemon, build_raw("PUT", "/bucket/key", {
        "Host": host(daemon), "Content-Length": "10000000000000000000"}))
    assert_s3_error(resp, 400, "InvalidRequest")
    assert_healthy(daemon)


def test_absurd_content_length_s3_put(daemon):
    """A signed PUT into an existing bucket announcing 99999999999999 bytes
    (no body sent): 400 EntityTooLarge before any body is read."""
    s3 = daemon.client("s3")
    created = False
    try:
        s3.create_bucket(Bucket="absurd-length")
        created = True
    except ClientError as e:  # builds without CreateBucket refuse by size alone
        assert e.response["Error"]["Code"] == "NotImplemented"
    try:
        url = daemon.url + "/absurd-length/key"
        headers = sigv4_headers("PUT", url, "s3", headers={"Content-Length": "99999999999999"})
        resp = raw(daemon, build_raw("PUT", "/absurd-length/key", headers))
        assert_s3_error(resp, 400, "EntityTooLarge")
        assert_healthy(daemon)
    finally:
        if created:
            s3.delete_bucket(Bucket="absurd-length")


def test_absurd_content_length_json(daemon):
    """A SageMaker call announcing 99999999999999 bytes: 413 in JSON."""
    url = daemon.url + "/"
    headers = sigv4_headers("POST", url, "sagemaker", headers={
        **sagemaker_json_headers("ListTrainingJobs"), "Content-Length": "99999999999999"})
    resp = raw(daemon, build_raw("POST", "/", headers))
    assert resp.status == 413, resp
    assert json.loads(resp.body)["__type"] == "RequestEntityTooLargeException"
    assert_healthy(daemon)


def test_truncated_body(daemon):
    """Content-Length 100, 10 bytes sent, then the client closes: no reply is
    possible; the daemon notices the close at once (each time), logs the
    abort and keeps serving."""
    url = daemon.url + "/"
    full = b"{" + b" " * 98 + b"}"
    headers = botocore_signed("POST", url, "sagemaker", body=full,
                              headers=sagemaker_json_headers("ListTrainingJobs"))
    headers["Content-Length"] = "100"
    request = build_raw("POST", "/", headers, full[:10])
    aborts = daemon.stderr_text().count("POST / aborted")
    for _ in range(5):
        # The daemon must close its side: recv() then sees EOF, not a timeout.
        assert raw_http(daemon.port, request, shut_write=True, timeout=10) == b""
    deadline = time.monotonic() + 10
    while daemon.stderr_text().count("POST / aborted") < aborts + 5 and \
            time.monotonic() < deadline:
        time.sleep(0.05)
    assert daemon.stderr_text().count("POST / aborted") == aborts + 5
    assert_healthy(daemon)


def _signed_sagemaker(daemon, target, body):
    url = daemon.url + "/"
    headers = botocore_signed("POST", url, "sagemaker", body=body,
                              headers=sagemaker_json_headers(target))
    return requests.post(url, headers=headers, data=body, timeout=10)


def test_invalid_json_body_sagemaker(daemon):
    """A properly signed SageMaker call with a body that is not JSON.

    The operation is looked up first: while ListTrainingJobs has no handler
    the answer is UnknownOperationException (as for a valid body); once it
    has one, the answer must be SerializationException.  Either is 400 JSON."""
    valid = _signed_sagemaker(daemon, "ListTrainingJobs", b"{}")
    invalid = _signed_sagemaker(daemon, "ListTrainingJobs", b"{not json")
    assert invalid.status_code == 400
    kind = invalid.json()["__type"]
    if valid.status_code == 400 and valid.json()["__type"] == "UnknownOperationException":
        assert kind == "UnknownOperationException"
    else:
        assert kind == "SerializationException"
    assert_healthy(daemon)


def test_sagemaker_without_target(daemon):
    """A signed JSON 1.1 POST with no X-Amz-Target: 400
    UnknownOperationException."""
    url = daemon.url + "/"
    body = b"{}"
    headers = botocore_signed("POST", url, "sagemaker", body=body,
                              headers={"Content-Type": "application/x-amz-json-1.1"})
    r = requests.post(url, headers=headers, data=body, timeout=10)
    assert r.status_code == 400
    assert r.json()["__type"] == "UnknownOperationException"


@pytest.mark.parametrize("target,status", [
    (b"/", 403),                   # anonymous S3
    (b"/_sagelite/unknown", 404),  # console
    (b"/bucket/\xff", 400),        # invalid UTF-8
])
def test_head_errors_have_no_body(daemon, target, status):
    """HEAD error replies carry the status and headers but no body."""
    resp = raw(daemon, build_raw("HEAD", target, {"Host": host(daemon)}))
    assert resp.status == status, resp
    assert resp.headers.get("x-amz-request-id")
    assert resp.body == b"", resp
    assert_healthy(daemon)


def test_pipelined_requests(daemon):
    """Two pipelined requests on one connection are both answered."""
    one = build_raw("GET", "/_sagelite/health", {"Host": host(daemon)})
    two = build_raw("GET", "/_sagelite/health", {"Host": host(daemon), "Connection": "close"})
    out = raw_http(daemon.port, one + two)
    assert out.count(b"HTTP/1.1 200 OK") == 2, out[:500]
    assert_healthy(daemon)
