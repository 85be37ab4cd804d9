"""Shared helpers for the integration suite: a small SigV4 signer that can
sign "as of" any moment, botocore-based signing, and raw-socket HTTP.

Standard library + botocore only."""
import datetime
import hashlib
import hmac
import re
import socket
import xml.etree.ElementTree as ET
from urllib.parse import parse_qsl, quote, urlsplit

from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


def _uri_encode(s, safe="-_.~"):
    return quote(s, safe=safe)


def _hmac(key, msg):
    return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()


def sigv4_headers(method, url, service, *, key="test", secret="test", region="us-east-1",
                  headers=None, body=b"", when=None, content_sha256_header=None):
    """Sign a request with SigV4 (Authorization header) as of `when` (a UTC
    datetime; default now) and return the headers to send, Host included.

    content_sha256_header: send x-amz-content-sha256 (default: only for s3).
    """
    when = when or datetime.datetime.now(datetime.timezone.utc)
    amz_date = when.strftime("%Y%m%dT%H%M%SZ")
    date = amz_date[:8]
    parts = urlsplit(url)
    payload_hash = hashlib.sha256(body).hexdigest()
    hdrs = {"Host": parts.netloc, "X-Amz-Date": amz_date}
    hdrs.update(headers or {})
    if content_sha256_header is None:
        content_sha256_header = service == "s3"
    if content_sha256_header:
        hdrs["x-amz-content-sha256"] = payload_hash

    canon_headers = sorted((k.lower(), " ".join(str(v).split())) for k, v in hdrs.items())
    signed_headers = ";".join(k for k, _ in canon_headers)
    path = parts.path or "/"
    if service != "s3":  # every service but S3 encodes the path twice
        path = _uri_encode(path, safe="/-_.~")
    query = "&".join(
        f"{_uri_encode(k)}={_uri_encode(v)}"
        for k, v in sorted(parse_qsl(parts.query, keep_blank_values=True)))
    creq = "\n".join([
        method, path, query,
        "".join(f"{k}:{v}\n" for k, v in canon_headers),
        signed_headers, payload_hash,
    ])
    scope = f"{date}/{region}/{service}/aws4_request"
    sts = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope,
                     hashlib.sha256(creq.encode("utf-8")).hexdigest()])
    k = _hmac(("AWS4" + secret).encode("utf-8"), date)
    k = _hmac(k, region)
    k = _hmac(k, service)
    k = _hmac(k, "aws4_request")
    sig = hmac.new(k, sts.encode("utf-8"), hashlib.sha256).hexdigest()
    hdrs["Authorization"] = (f"AWS4-HMAC-SHA256 Credential={key}/{scope}, "
                             f"SignedHeaders={signed_headers}, Signature={sig}")
    return hdrs


def botocore_signed(method, url, service, *, key="test", secret="test", region="us-east-1",
                    headers=None, body=b""):
    """Sign with botocore's own signer (S3SigV4Auth for s3, which adds
    x-amz-content-sha256; SigV4Auth otherwise); returns the headers."""
    req = AWSRequest(method=method, url=url, data=body, headers=dict(headers or {}))
    signer = S3SigV4Auth if service == "s3" else SigV4Auth
    signer(Credentials(key, secret), service, region).add_auth(req)
    return dict(req.headers.items())


def flip_signature(authorization):
    """Change one hex digit of the Signature= part of an Authorization header."""
    m = re.search(r"Signature=([0-9a-f]{64})", authorization)
    assert m, authorization
    sig = m.group(1)
    flipped = ("1" if sig[0] != "1" else "2") + sig[1:]
    return authorization[:m.start(1)] + flipped + authorization[m.end(1):]


def sagemaker_json_headers(target):
    return {"X-Amz-Target": f"SageMaker.{target}",
            "Content-Type": "application/x-amz-json-1.1"}


def s3_error_code(body):
    """The <Code> of an S3 XML error body (asserts it is one)."""
    root = ET.fromstring(body)
    assert root.tag == "Error", body
    return root.findtext("Code")


class RawResponse:
    def __init__(self, raw):
        self.raw = raw
        head, sep, self.body = raw.partition(b"\r\n\r\n")
        assert sep, f"no complete response head in {raw[:300]!r}"
        lines = head.decode("latin-1").split("\r\n")
        m = re.match(r"HTTP/1\.[01] (\d{3})", lines[0])
        assert m, f"bad status line {lines[0]!r}"
        self.status = int(m.group(1))
        self.headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            self.headers.setdefault(name.strip().lower(), value.strip())

    def __repr__(self):
        return f"RawResponse({self.status}, {self.raw[:400]!r})"


def raw_http(port, data, *, timeout=10.0, shut_write=False):
    """Send bytes on a fresh connection and read until the server closes it
    (error replies carry Connection: close; send 'Connection: close' on
    requests that succeed).  Returns the raw bytes received (maybe b'')."""
    out = b""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        try:
            s.sendall(data)
            if shut_write:
                s.shutdown(socket.SHUT_WR)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer and close before reading everything
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                out += chunk
        except ConnectionResetError:
            pass
    return out


def build_raw(method, target, headers, body=b""):
    """An HTTP/1.1 request as bytes; target is bytes or str, sent as is."""
    if isinstance(target, str):
        target = target.encode("latin-1")
    head = method.encode() + b" " + target + b" HTTP/1.1\r\n"
    for k, v in headers.items():
        head += f"{k}: {v}\r\n".encode("latin-1")
    return head + b"\r\n" + body
