"""aws-chunked uploads built by the test itself, as the Java/Go SDKs and
AWS CLI v2 send them over TLS: signed chunks (STREAMING-AWS4-HMAC-SHA256-
PAYLOAD), signed chunks with a signed trailer (…-PAYLOAD-TRAILER) and
unsigned chunks with a checksum trailer (STREAMING-UNSIGNED-PAYLOAD-TRAILER).
No byte of framing may land in the stored object; a corrupted chunk
signature or trailer checksum is refused and nothing is stored."""
import base64
import binascii
import datetime
import hashlib
import hmac
import os

import pytest
import requests

from sigv4_helpers import s3_error_code

EMPTY = hashlib.sha256(b"").hexdigest()


def _hmac(key, msg):
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


class Signer:
    """SigV4 for S3 with a chosen x-amz-content-sha256 (the streaming modes)."""

    def __init__(self, url, key="test", secret="test", region="us-east-1"):
        self.url, self.key, self.region = url, key, region
        self.when = datetime.datetime.now(datetime.timezone.utc)
        self.amz_date = self.when.strftime("%Y%m%dT%H%M%SZ")
        self.scope = f"{self.amz_date[:8]}/{region}/s3/aws4_request"
        k = _hmac(("AWS4" + secret).encode(), self.amz_date[:8])
        for part in (region, "s3", "aws4_request"):
            k = _hmac(k, part)
        self.kSigning = k

    def sign(self, method, path, headers, content_sha256):
        host = self.url.split("//", 1)[1]
        hdrs = {"host": host, "x-amz-date": self.amz_date, "x-amz-content-sha256": content_sha256}
        hdrs.update({k.lower(): v for k, v in headers.items()})
        names = sorted(hdrs)
        creq = "\n".join([method, path, "", "".join(f"{n}:{hdrs[n]}\n" for n in names),
                          ";".join(names), content_sha256])
        sts = "\n".join(["AWS4-HMAC-SHA256", self.amz_date, self.scope,
                         hashlib.sha256(creq.encode()).hexdigest()])
        self.seed = hmac.new(self.kSigning, sts.encode(), hashlib.sha256).hexdigest()
        hdrs["Authorization"] = (f"AWS4-HMAC-SHA256 Credential={self.key}/{self.scope}, "
                                 f"SignedHeaders={';'.join(names)}, Signature={self.seed}")
        del hdrs["host"]
        return hdrs

    def chunk_sig(self, prev, data):
        sts = "\n".join(["AWS4-HMAC-SHA256-PAYLOAD", self.amz_date, self.scope, prev, EMPTY,
                         hashlib.sha256(data).hexdigest()])
        return hmac.new(self.kSigning, sts.encode(), hashlib.sha256).hexdigest()

    def trailer_sig(self, prev, trailer_lines):
        sts = "\n".join(["AWS4-HMAC-SHA256-TRAILER", self.amz_date, self.scope, prev,
                         hashlib.sha256(trailer_lines.encode()).hexdigest()])
        return hmac.new(self.kSigning, sts.encode(), hashlib.sha256).hexdigest()


def crc32_b64(data):
    return base64.b64encode(binascii.crc32(data).to_bytes(4, "big")).decode()


def signed_body(signer, data, chunk, corrupt=None):
    out, prev = b"", signer.seed
    pieces = [data[i:i + chunk] for i in range(0, len(data), chunk)] + [b""]
    for n, piece in enumerate(pieces):
        sig = signer.chunk_sig(prev, piece)
        if corrupt == n:
            sig = ("0" if sig[0] != "0" else "1") + sig[1:]
        out += f"{len(piece):x};chunk-signature={sig}\r\n".encode() + piece + b"\r\n"
        prev = sig
    return out, prev


@pytest.fixture
def bucket(daemon):
    s3 = daemon.client("s3")
    name = "chunked-" + os.urandom(4).hex()
    s3.create_bucket(Bucket=name)
    return name


def put(daemon, bucket, key, headers, body):
    return requests.put(f"{daemon.url}/{bucket}/{key}", data=body, headers=headers, timeout=30)


def test_signed_chunks_store_only_the_payload(daemon, bucket):
    data = os.urandom(200_000)
    s = Signer(daemon.url)
    headers = s.sign("PUT", f"/{bucket}/signed", {
        "content-encoding": "aws-chunked", "x-amz-decoded-content-length": str(len(data))},
        "STREAMING-AWS4-HMAC-SHA256-PAYLOAD")
    body, _ = signed_body(s, data, 65536)
    r = put(daemon, bucket, "signed", headers, body)
    assert r.status_code == 200, r.text
    got = daemon.client("s3").get_object(Bucket=bucket, Key="signed")
    assert got["Body"].read() == data
    assert got["ETag"] == '"%s"' % hashlib.md5(data).hexdigest()
    assert "ContentEncoding" not in got  # aws-chunked is transfer framing


def test_corrupted_chunk_signature_is_refused(daemon, bucket):
    data = os.urandom(150_000)
    s = Signer(daemon.url)
    headers = s.sign("PUT", f"/{bucket}/bad", {
        "content-encoding": "aws-chunked", "x-amz-decoded-content-length": str(len(data))},
        "STREAMING-AWS4-HMAC-SHA256-PAYLOAD")
    body, _ = signed_body(s, data, 65536, corrupt=1)
    r = put(daemon, bucket, "bad", headers, body)
    assert r.status_code == 403
    assert s3_error_code(r.content) == "SignatureDoesNotMatch"
    keys = daemon.client("s3").list_objects_v2(Bucket=bucket).get("Contents", [])
    assert keys == []


def test_decoded_length_mismatch_is_refused(daemon, bucket):
    data = os.urandom(1000)
    s = Signer(daemon.url)
    headers = s.sign("PUT", f"/{bucket}/short", {
        "content-encoding": "aws-chunked", "x-amz-decoded-content-length": "999"},
        "STREAMING-AWS4-HMAC-SHA256-PAYLOAD")
    body, _ = signed_body(s, data, 512)
    r = put(daemon, bucket, "short", headers, body)
    assert r.status_code == 400
    assert s3_error_code(r.content) == "IncompleteBody"


def test_signed_trailer_with_checksum(daemon, bucket):
    data = os.urandom(70_000)
    s = Signer(daemon.url)
    headers = s.sign("PUT", f"/{bucket}/trailer", {
        "content-encoding": "aws-chunked", "x-amz-decoded-content-length": str(len(data)),
        "x-amz-trailer": "x-amz-checksum-crc32"},
        "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER")
    body, prev = signed_body(s, data, 65536)
    trailer = f"x-amz-checksum-crc32:{crc32_b64(data)}\n"
    body += trailer.replace("\n", "\r\n").encode()
    body += f"x-amz-trailer-signature:{s.trailer_sig(prev, trailer)}\r\n\r\n".encode()
    r = put(daemon, bucket, "trailer", headers, body)
    assert r.status_code == 200, r.text
    assert r.headers["x-amz-checksum-crc32"] == crc32_b64(data)
    got = daemon.client("s3").get_object(Bucket=bucket, Key="trailer", ChecksumMode="ENABLED")
    assert got["Body"].read() == data
    assert got["ChecksumCRC32"] == crc32_b64(data)


def unsigned_trailer_put(daemon, bucket, key, data, checksum):
    from sigv4_helpers import sigv4_headers  # noqa: F401 (same signing rules)
    s = Signer(daemon.url)
    headers = s.sign("PUT", f"/{bucket}/{key}", {
        "content-encoding": "aws-chunked", "x-amz-decoded-content-length": str(len(data)),
        "x-amz-trailer": "x-amz-checksum-crc32", "x-amz-sdk-checksum-algorithm": "CRC32"},
        "STREAMING-UNSIGNED-PAYLOAD-TRAILER")
    body = f"{len(data):x}\r\n".encode() + data + b"\r\n0\r\n"
    body += f"x-amz-checksum-crc32:{checksum}\r\n\r\n".encode()
    return put(daemon, bucket, key, headers, body)


def test_unsigned_trailer_upload(daemon, bucket):
    r = unsigned_trailer_put(daemon, bucket, "a.txt", b"hello world", "DUoRhQ==")
    assert r.status_code == 200, r.text
    got = daemon.client("s3").get_object(Bucket=bucket, Key="a.txt")
    assert got["Body"].read() == b"hello world"


def test_unsigned_trailer_wrong_checksum_is_refused(daemon, bucket):
    r = unsigned_trailer_put(daemon, bucket, "b.txt", b"hello world", crc32_b64(b"other"))
    assert r.status_code == 400
    assert s3_error_code(r.content) == "BadDigest"
    with pytest.raises(Exception):
        daemon.client("s3").head_object(Bucket=bucket, Key="b.txt")


def test_truncated_chunk_stream_is_refused(daemon, bucket):
    data = os.urandom(5000)
    s = Signer(daemon.url)
    headers = s.sign("PUT", f"/{bucket}/trunc", {"content-encoding": "aws-chunked"},
                     "STREAMING-AWS4-HMAC-SHA256-PAYLOAD")
    body, _ = signed_body(s, data, 4096)
    r = put(daemon, bucket, "trunc", headers, body[:4200])
    assert r.status_code == 400
    assert s3_error_code(r.content) == "IncompleteBody"
