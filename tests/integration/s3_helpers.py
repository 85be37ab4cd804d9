"""Shared helpers for the S3 suites (test_s3_*.py): bucket fixtures, signed
raw requests through requests or a raw socket, SigV2 header signing, and
pure-Python CRC32C / CRC64NVME (botocore needs awscrt for those two).

Standard library + botocore + requests only."""
import base64
import hashlib
import http.client
import socket
import threading
import uuid
import xml.etree.ElementTree as ET
import zlib
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

import boto3
import pytest
import requests
from botocore.auth import HmacV1Auth, S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

from sigv4_helpers import RawResponse, botocore_signed, build_raw, raw_http, sigv4_headers

NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"


def new_bucket_name(prefix="t"):
    """A fresh, valid bucket name."""
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


def empty_and_delete(s3, name):
    """Delete every object of bucket name, then the bucket (best effort for
    buckets a test already removed)."""
    try:
        pages = s3.get_paginator("list_objects_v2").paginate(Bucket=name)
        for page in pages:
            keys = [{"Key": o["Key"]} for o in page.get("Contents", [])]
            if keys:
                s3.delete_objects(Bucket=name, Delete={"Objects": keys, "Quiet": True})
        s3.delete_bucket(Bucket=name)
    except s3.exceptions.NoSuchBucket:
        pass


_boto_session = None
_clients = {}


def client(url, service="s3", key="test", secret="test", region="us-east-1", **config):
    """Like conftest.make_client (one attempt, no retries), but from one
    shared boto3 session and cached: creating a client from a fresh session
    re-reads the service model, ~0.5 s each on this machine."""
    global _boto_session
    cache_key = (url, service, key, secret, region, repr(sorted(config.items())))
    c = _clients.get(cache_key)
    if c is None:
        if _boto_session is None:
            _boto_session = boto3.session.Session()
        cfg = Config(retries={"max_attempts": 1}, connect_timeout=10, read_timeout=30, **config)
        c = _boto_session.client(service, endpoint_url=url, aws_access_key_id=key,
                                 aws_secret_access_key=secret, region_name=region, config=cfg)
        _clients[cache_key] = c
    return c


@pytest.fixture
def s3(daemon):
    """A default boto3 S3 client (SigV4, path style) for the shared daemon."""
    return client(daemon.url)


@pytest.fixture
def bucket(daemon, s3):
    """A fresh empty bucket on the shared daemon, removed after the test."""
    name = new_bucket_name()
    s3.create_bucket(Bucket=name)
    yield name
    empty_and_delete(s3, name)


def b64(raw):
    return base64.b64encode(raw).decode()


def md5_b64(data):
    return b64(hashlib.md5(data).digest())


def _crc_table(poly, bits):
    mask = (1 << bits) - 1
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ poly if c & 1 else c >> 1
        table.append(c & mask)
    return table


_CRC32C_TABLE = _crc_table(0x82F63B78, 32)
_CRC64NVME_TABLE = _crc_table(0x9A6C9329AC4BC9B5, 64)


def _crc(table, bits, data):
    mask = (1 << bits) - 1
    c = mask
    for byte in data:
        c = table[(c ^ byte) & 0xFF] ^ (c >> 8)
    return c ^ mask


def crc32c(data):
    return _crc(_CRC32C_TABLE, 32, data)


def crc64nvme(data):
    return _crc(_CRC64NVME_TABLE, 64, data)


# The standard check values, so a broken helper fails loudly here.
assert crc32c(b"123456789") == 0xE3069283
assert crc64nvme(b"123456789") == 0xAE8B14860A799888


def checksum_b64(algo, data):
    """The x-amz-checksum-<algo> value of data."""
    algo = algo.upper()
    if algo == "CRC32":
        return b64((zlib.crc32(data) & 0xFFFFFFFF).to_bytes(4, "big"))
    if algo == "CRC32C":
        return b64(crc32c(data).to_bytes(4, "big"))
    if algo == "CRC64NVME":
        return b64(crc64nvme(data).to_bytes(8, "big"))
    if algo == "SHA1":
        return b64(hashlib.sha1(data).digest())
    if algo == "SHA256":
        return b64(hashlib.sha256(data).digest())
    raise ValueError(algo)


def signed_request(daemon, method, path, *, body=b"", headers=None, key="test",
                   secret="test", timeout=30):
    """SigV4-sign (botocore, with x-amz-content-sha256) and send through
    requests.  path is sent as given: percent-encode it yourself."""
    url = daemon.url + path
    hdrs = botocore_signed(method, url, "s3", key=key, secret=secret, headers=headers,
                           body=body)
    return requests.request(method, url, headers=hdrs, data=body, timeout=timeout)


def unsigned_payload_headers(method, url, *, key="test", secret="test", headers=None):
    """SigV4 headers (botocore S3SigV4Auth) with x-amz-content-sha256:
    UNSIGNED-PAYLOAD, as SDKs send over TLS."""
    req = AWSRequest(method=method, url=url, headers=dict(headers or {}))
    req.context["client_config"] = Config(s3={"payload_signing_enabled": False})
    S3SigV4Auth(Credentials(key, secret), "s3", "us-east-1").add_auth(req)
    assert req.headers["X-Amz-Content-SHA256"] == "UNSIGNED-PAYLOAD"
    return dict(req.headers.items())


def raw_signed(daemon, method, path, *, body=b"", headers=None, sign_path=None,
               content_length=None, send_body=None, shut_write=False, timeout=10):
    """A SigV4-signed request over a raw socket (nothing re-encodes the
    path).  path is the request target sent; sign_path (default path) is
    what the signature covers, for targets the server canonicalises.
    content_length/send_body override what is announced and sent.  Returns
    a RawResponse, or None when the server closed without answering."""
    hdrs = botocore_signed(method, daemon.url + (sign_path or path), "s3",
                           headers=headers, body=body)
    hdrs["Host"] = f"127.0.0.1:{daemon.port}"
    hdrs["Content-Length"] = str(len(body) if content_length is None else content_length)
    hdrs.setdefault("Connection", "close")
    out = raw_http(daemon.port, build_raw(method, path, hdrs,
                                          body if send_body is None else send_body),
                   shut_write=shut_write, timeout=timeout)
    return RawResponse(out) if out else None


def sigv2_headers(method, url, *, key="test", secret="test", headers=None):
    """Headers for a SigV2 header-signed request (Authorization: AWS id:sig),
    signed by botocore's HmacV1Auth."""
    req = AWSRequest(method=method, url=url, headers=dict(headers or {}))
    HmacV1Auth(Credentials(key, secret)).add_auth(req)
    return dict(req.headers.items())


def error_code(resp):
    """<Code> of an S3 error reply (a requests.Response)."""
    root = ET.fromstring(resp.content)
    assert root.tag == "Error", resp.content
    return root.findtext("Code")


def resolve_localhost_subdomains(monkeypatch):
    """Make *.localhost resolve to 127.0.0.1 in this process (glibc does
    not, here), so botocore's virtual-hosted URLs reach the daemon with the
    Host header it signed."""
    real = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        if isinstance(host, bytes):
            host = host.decode()
        if isinstance(host, str) and host.endswith(".localhost"):
            host = "127.0.0.1"
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def put_many(daemon, bucket, keys, body=b"", threads=8):
    """Store many objects quickly for test setup: SigV4 signed in pure
    Python and sent over keep-alive connections (about 3x faster than
    boto3 here).  Asserts every PUT answered 200."""
    local = threading.local()

    def put(key):
        conn = getattr(local, "conn", None)
        if conn is None:
            conn = local.conn = http.client.HTTPConnection("127.0.0.1", daemon.port, timeout=30)
        path = f"/{bucket}/" + quote(key, safe="/~")
        headers = sigv4_headers("PUT", daemon.url + path, "s3", body=body)
        headers["Content-Length"] = str(len(body))
        conn.request("PUT", path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        assert resp.status == 200, (key, resp.status, data)

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(put, keys))
