"""S3 object operations with real clients: PutObject, GetObject,
HeadObject, DeleteObject, DeleteObjects, CopyObject, GetObjectAcl; ranges,
conditionals, Content-MD5, flexible checksums, awkward keys, presigned
URLs (SigV4 and SigV2), SigV2 header auth, payload-hash mismatch, aborted
uploads."""
import datetime
import email.utils
import hashlib
import os
import time
from urllib.parse import quote

import pytest
import requests
from botocore.exceptions import ClientError

from s3_helpers import (bucket, checksum_b64, client, error_code, md5_b64,  # noqa: F401
                        new_bucket_name, raw_signed, s3, signed_request, sigv2_headers,
                        unsigned_payload_headers)
from sigv4_helpers import botocore_signed, build_raw, raw_http, s3_error_code

BODY = bytes(range(256)) * 4 + b"tail"  # 1028 bytes


def _code(exc_info):
    return exc_info.value.response["Error"]["Code"]


def _status(exc_info):
    return exc_info.value.response["ResponseMetadata"]["HTTPStatusCode"]


def _headers(resp):
    return resp["ResponseMetadata"]["HTTPHeaders"]


def _exists(s3, bucket, key):
    try:
        s3.head_object(Bucket=bucket, Key=key)
        return True
    except ClientError as e:
        assert _status_of(e) == 404, e.response
        return False


def _status_of(e):
    return e.response["ResponseMetadata"]["HTTPStatusCode"]


def _quoted_md5(data):
    return '"' + hashlib.md5(data).hexdigest() + '"'


def _http_date(dt):
    return email.utils.format_datetime(dt.astimezone(datetime.timezone.utc), usegmt=True)


@pytest.fixture
def obj(s3, bucket):
    """(bucket, key, etag) of a 1028-byte object."""
    r = s3.put_object(Bucket=bucket, Key="obj", Body=BODY)
    return bucket, "obj", r["ETag"]


# -- put / get / head / delete ---------------------------------------------------

def test_put_get_round_trip(s3, bucket):
    """PutObject then GetObject returns the same bytes."""
    s3.put_object(Bucket=bucket, Key="k", Body=BODY)
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == BODY


def test_put_etag_is_quoted_md5(s3, bucket):
    """PutObject's ETag is the quoted hex MD5 of the body."""
    r = s3.put_object(Bucket=bucket, Key="k", Body=BODY)
    assert r["ETag"] == _quoted_md5(BODY)


def test_get_and_head_etag_is_quoted_md5(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=BODY)
    assert s3.get_object(Bucket=bucket, Key="k")["ETag"] == _quoted_md5(BODY)
    assert s3.head_object(Bucket=bucket, Key="k")["ETag"] == _quoted_md5(BODY)


def test_head_content_length_and_no_body(daemon, s3, obj):
    """HEAD: Content-Length of the object, no body."""
    b, k, _ = obj
    r = s3.head_object(Bucket=b, Key=k)
    assert r["ContentLength"] == len(BODY)
    raw = signed_request(daemon, "HEAD", f"/{b}/{k}")
    assert raw.status_code == 200
    assert raw.content == b""
    assert raw.headers["Content-Length"] == str(len(BODY))


@pytest.mark.parametrize("method", ["get_object", "head_object"])
def test_last_modified_present_and_recent(s3, obj, method):
    """GET and HEAD carry Last-Modified (an HTTP date), close to now."""
    b, k, _ = obj
    r = getattr(s3, method)(Bucket=b, Key=k)
    raw = _headers(r)["last-modified"]
    assert raw.endswith(" GMT")
    parsed = email.utils.parsedate_to_datetime(raw)
    now = datetime.datetime.now(datetime.timezone.utc)
    assert abs((now - parsed).total_seconds()) < 120
    assert r["LastModified"] == parsed


def test_accept_ranges_bytes(s3, obj):
    b, k, _ = obj
    assert _headers(s3.head_object(Bucket=b, Key=k))["accept-ranges"] == "bytes"


def test_default_content_type(daemon, bucket):
    """An object stored without Content-Type is served as
    binary/octet-stream."""
    path = f"/{bucket}/untyped"
    r = signed_request(daemon, "PUT", path, body=b"data")
    assert r.status_code == 200, r.text
    g = signed_request(daemon, "GET", path)
    assert g.headers["Content-Type"] == "binary/octet-stream"


def test_metadata_round_trip(s3, bucket):
    """User metadata comes back (names lower-cased) on GET and HEAD."""
    meta = {"alpha": "one", "Mixed-Case": "Two Words", "empty-ish": "-"}
    s3.put_object(Bucket=bucket, Key="m", Body=b"x", Metadata=meta)
    want = {k.lower(): v for k, v in meta.items()}
    assert s3.get_object(Bucket=bucket, Key="m")["Metadata"] == want
    assert s3.head_object(Bucket=bucket, Key="m")["Metadata"] == want


def test_content_headers_round_trip(s3, bucket):
    """Content-Type/-Encoding/-Disposition/-Language, Cache-Control and
    Expires are stored and returned on GET and HEAD."""
    expires = datetime.datetime(2031, 5, 6, 7, 8, 9, tzinfo=datetime.timezone.utc)
    s3.put_object(Bucket=bucket, Key="h", Body=b"<p>hi</p>", ContentType="text/html; charset=utf-8",
                  ContentEncoding="identity", ContentDisposition='attachment; filename="a b.html"',
                  ContentLanguage="de-CH", CacheControl="max-age=3600, private", Expires=expires)
    for r in (s3.get_object(Bucket=bucket, Key="h"), s3.head_object(Bucket=bucket, Key="h")):
        assert r["ContentType"] == "text/html; charset=utf-8"
        assert r["ContentEncoding"] == "identity"
        assert r["ContentDisposition"] == 'attachment; filename="a b.html"'
        assert r["ContentLanguage"] == "de-CH"
        assert r["CacheControl"] == "max-age=3600, private"
        assert _headers(r)["expires"] == _http_date(expires) == "Tue, 06 May 2031 07:08:09 GMT"


def test_storage_class_round_trip(s3, bucket):
    """A non-default storage class is reported by HEAD and listings."""
    s3.put_object(Bucket=bucket, Key="ia", Body=b"x", StorageClass="STANDARD_IA")
    assert s3.head_object(Bucket=bucket, Key="ia")["StorageClass"] == "STANDARD_IA"
    listed = s3.list_objects_v2(Bucket=bucket)["Contents"][0]
    assert listed["StorageClass"] == "STANDARD_IA"


def test_metadata_too_large(s3, bucket):
    """More than 2 KB of user metadata: 400 MetadataTooLarge, not stored."""
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="big-meta", Body=b"x",
                      Metadata={"a": "v" * 1500, "b": "w" * 1500})
    assert _code(e) == "MetadataTooLarge"
    assert _status(e) == 400
    assert not _exists(s3, bucket, "big-meta")


def test_overwrite_replaces_data_and_metadata(s3, bucket):
    """A second PUT replaces both body and metadata."""
    s3.put_object(Bucket=bucket, Key="k", Body=b"first", Metadata={"v": "1"},
                  ContentType="text/plain")
    s3.put_object(Bucket=bucket, Key="k", Body=b"second!", Metadata={"w": "2"})
    r = s3.get_object(Bucket=bucket, Key="k")
    assert r["Body"].read() == b"second!"
    assert r["Metadata"] == {"w": "2"}
    assert r["ContentType"] != "text/plain"
    assert r["ETag"] == _quoted_md5(b"second!")


def test_empty_object(s3, bucket):
    """A zero-byte object: ETag of the empty string, empty body."""
    r = s3.put_object(Bucket=bucket, Key="empty", Body=b"")
    assert r["ETag"] == '"d41d8cd98f00b204e9800998ecf8427e"'
    g = s3.get_object(Bucket=bucket, Key="empty")
    assert g["ContentLength"] == 0
    assert g["Body"].read() == b""


def test_large_object_round_trip(s3, bucket):
    """A 5 MB random object round-trips byte for byte."""
    data = os.urandom(5 * 1024 * 1024 + 7)
    r = s3.put_object(Bucket=bucket, Key="big", Body=data)
    assert r["ETag"] == _quoted_md5(data)
    assert s3.get_object(Bucket=bucket, Key="big")["Body"].read() == data


def test_get_missing_key(s3, bucket):
    """GetObject on a missing key: 404 NoSuchKey naming the key."""
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="nope/missing.txt")
    assert _code(e) == "NoSuchKey"
    assert _status(e) == 404
    assert e.value.response["Error"]["Key"] == "nope/missing.txt"


def test_head_missing_key_bodiless_404(daemon, bucket):
    r = signed_request(daemon, "HEAD", f"/{bucket}/missing")
    assert r.status_code == 404
    assert r.content == b""


def test_get_object_missing_bucket(s3):
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=new_bucket_name(), Key="k")
    assert _code(e) == "NoSuchBucket"


def test_put_object_missing_bucket(s3):
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=new_bucket_name(), Key="k", Body=b"x")
    assert _code(e) == "NoSuchBucket"


def test_delete_object(s3, obj):
    """DeleteObject: 204, then the key is gone."""
    b, k, _ = obj
    r = s3.delete_object(Bucket=b, Key=k)
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=b, Key=k)
    assert _code(e) == "NoSuchKey"


def test_delete_missing_object_is_204(s3, bucket):
    """DeleteObject of a key that never existed: 204 as S3 answers."""
    r = s3.delete_object(Bucket=bucket, Key="never-there")
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 204


def test_version_id_null_addresses_the_object(s3, obj):
    """versionId=null (what listings report) reads and deletes the object."""
    b, k, _ = obj
    assert s3.get_object(Bucket=b, Key=k, VersionId="null")["Body"].read() == BODY
    assert s3.head_object(Bucket=b, Key=k, VersionId="null")["ContentLength"] == len(BODY)
    s3.delete_object(Bucket=b, Key=k, VersionId="null")
    assert not _exists(s3, b, k)


@pytest.mark.parametrize("call", ["get_object", "head_object", "delete_object"])
def test_unknown_version_id_refused(s3, obj, call):
    """A versionId other than 'null' names no version: 400 (HEAD bodiless),
    and a DELETE of it leaves the object alone."""
    b, k, _ = obj
    with pytest.raises(ClientError) as e:
        getattr(s3, call)(Bucket=b, Key=k, VersionId="3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrH")
    assert _status(e) == 400
    if call != "head_object":
        assert _code(e) == "InvalidArgument"
    assert s3.get_object(Bucket=b, Key=k)["Body"].read() == BODY


def test_delete_objects_unknown_version_id(s3, bucket):
    """DeleteObjects naming an unknown version: a per-key NoSuchVersion
    error and the object stays; the 'null' version of another is deleted."""
    s3.put_object(Bucket=bucket, Key="keep", Body=b"x")
    s3.put_object(Bucket=bucket, Key="gone", Body=b"x")
    r = s3.delete_objects(Bucket=bucket, Delete={"Objects": [
        {"Key": "keep", "VersionId": "3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrH"},
        {"Key": "gone", "VersionId": "null"}]})
    assert [(x["Key"], x["Code"]) for x in r["Errors"]] == [("keep", "NoSuchVersion")]
    assert [x["Key"] for x in r["Deleted"]] == ["gone"]
    assert _exists(s3, bucket, "keep")
    assert not _exists(s3, bucket, "gone")


def test_get_object_acl(s3, obj):
    """GetObjectAcl: the owner with FULL_CONTROL."""
    b, k, _ = obj
    acl = s3.get_object_acl(Bucket=b, Key=k)
    owner = s3.list_buckets()["Owner"]["ID"]
    assert acl["Owner"]["ID"] == owner
    assert [g["Permission"] for g in acl["Grants"]] == ["FULL_CONTROL"]


def test_get_object_acl_missing_key(s3, bucket):
    with pytest.raises(ClientError) as e:
        s3.get_object_acl(Bucket=bucket, Key="missing")
    assert _code(e) == "NoSuchKey"


def test_response_overrides(s3, obj):
    """response-* query parameters override the reply's headers."""
    b, k, _ = obj
    r = s3.get_object(Bucket=b, Key=k, ResponseContentType="text/x-override",
                      ResponseContentDisposition='attachment; filename="o.bin"',
                      ResponseContentLanguage="fr", ResponseCacheControl="no-store",
                      ResponseContentEncoding="identity",
                      ResponseExpires=datetime.datetime(2030, 1, 2, 3, 4, 5,
                                                        tzinfo=datetime.timezone.utc))
    assert r["ContentType"] == "text/x-override"
    assert r["ContentDisposition"] == 'attachment; filename="o.bin"'
    assert r["ContentLanguage"] == "fr"
    assert r["CacheControl"] == "no-store"
    assert r["ContentEncoding"] == "identity"
    assert _headers(r)["expires"] == "Wed, 02 Jan 2030 03:04:05 GMT"
    assert r["Body"].read() == BODY


# -- ranges ----------------------------------------------------------------------------

@pytest.mark.parametrize("rng,start,end", [
    ("bytes=0-0", 0, 0),
    ("bytes=10-19", 10, 19),
    ("bytes=1000-", 1000, len(BODY) - 1),
    ("bytes=-5", len(BODY) - 5, len(BODY) - 1),
    ("bytes=1020-5000", 1020, len(BODY) - 1),
    ("bytes=-5000", 0, len(BODY) - 1),
])
def test_range_forms(s3, obj, rng, start, end):
    """Each Range form: 206, Content-Range, exactly those bytes."""
    b, k, _ = obj
    r = s3.get_object(Bucket=b, Key=k, Range=rng)
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 206
    assert r["ContentRange"] == f"bytes {start}-{end}/{len(BODY)}"
    assert r["ContentLength"] == end - start + 1
    assert r["Body"].read() == BODY[start:end + 1]


def test_range_unsatisfiable(s3, obj):
    """A range starting at the size: 416 InvalidRange."""
    b, k, _ = obj
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=b, Key=k, Range=f"bytes={len(BODY)}-")
    assert _code(e) == "InvalidRange"
    assert _status(e) == 416
    assert e.value.response["Error"]["ActualObjectSize"] == str(len(BODY))


def test_range_unsatisfiable_content_range(daemon, obj):
    """The 416 carries Content-Range: bytes */size."""
    b, k, _ = obj
    r = signed_request(daemon, "GET", f"/{b}/{k}", headers={"Range": "bytes=5000-6000"})
    assert r.status_code == 416
    assert r.headers["Content-Range"] == f"bytes */{len(BODY)}"
    assert error_code(r) == "InvalidRange"


def test_multiple_ranges_serve_whole_object(s3, obj):
    """A multi-range request is answered with the whole object (200)."""
    b, k, _ = obj
    r = s3.get_object(Bucket=b, Key=k, Range="bytes=0-1,5-6")
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert r["Body"].read() == BODY


def test_head_with_range(s3, obj):
    """HeadObject with a Range: 206 and the range's length."""
    b, k, _ = obj
    r = s3.head_object(Bucket=b, Key=k, Range="bytes=0-9")
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 206
    assert r["ContentLength"] == 10


# -- conditional GET --------------------------------------------------------------------

def test_if_match_matching(s3, obj):
    b, k, etag = obj
    assert s3.get_object(Bucket=b, Key=k, IfMatch=etag)["Body"].read() == BODY


def test_if_match_mismatch_412(s3, obj):
    b, k, _ = obj
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=b, Key=k, IfMatch='"0123456789abcdef0123456789abcdef"')
    assert _code(e) == "PreconditionFailed"
    assert _status(e) == 412


def test_if_none_match_matching_304(s3, obj):
    """If-None-Match naming the current ETag: 304 Not Modified."""
    b, k, etag = obj
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=b, Key=k, IfNoneMatch=etag)
    assert _status(e) == 304
    assert _code(e) == "304"


def test_if_none_match_304_carries_etag(daemon, obj):
    """The 304 carries the ETag and no body."""
    b, k, etag = obj
    r = signed_request(daemon, "GET", f"/{b}/{k}", headers={"If-None-Match": etag})
    assert r.status_code == 304
    assert r.headers["ETag"] == etag
    assert r.content == b""


def test_if_none_match_other_etag_200(s3, obj):
    b, k, _ = obj
    r = s3.get_object(Bucket=b, Key=k, IfNoneMatch='"0123456789abcdef0123456789abcdef"')
    assert r["Body"].read() == BODY


def test_if_modified_since_future_304(s3, obj):
    b, k, _ = obj
    future = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=b, Key=k, IfModifiedSince=future)
    assert _status(e) == 304


def test_if_modified_since_past_200(s3, obj):
    b, k, _ = obj
    past = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=1)
    assert s3.get_object(Bucket=b, Key=k, IfModifiedSince=past)["Body"].read() == BODY


def test_if_unmodified_since_past_412(s3, obj):
    b, k, _ = obj
    past = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=1)
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=b, Key=k, IfUnmodifiedSince=past)
    assert _code(e) == "PreconditionFailed"


def test_if_unmodified_since_future_200(s3, obj):
    b, k, _ = obj
    future = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
    assert s3.get_object(Bucket=b, Key=k, IfUnmodifiedSince=future)["Body"].read() == BODY


def test_if_match_true_beats_if_unmodified_since_false(s3, obj):
    """If-Match true and If-Unmodified-Since false: 200 (RFC 7232 order)."""
    b, k, etag = obj
    past = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=1)
    r = s3.get_object(Bucket=b, Key=k, IfMatch=etag, IfUnmodifiedSince=past)
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_head_if_none_match_304(s3, obj):
    b, k, etag = obj
    with pytest.raises(ClientError) as e:
        s3.head_object(Bucket=b, Key=k, IfNoneMatch=etag)
    assert _status(e) == 304


def test_head_if_match_mismatch_412(s3, obj):
    b, k, _ = obj
    with pytest.raises(ClientError) as e:
        s3.head_object(Bucket=b, Key=k, IfMatch='"ffffffffffffffffffffffffffffffff"')
    assert _status(e) == 412


# -- conditional PUT ------------------------------------------------------------------------

def test_put_if_none_match_star_twice(s3, bucket):
    """IfNoneMatch='*': the first PUT creates, the second is 412 and the
    object keeps its first body."""
    s3.put_object(Bucket=bucket, Key="once", Body=b"first", IfNoneMatch="*")
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="once", Body=b"second", IfNoneMatch="*")
    assert _code(e) == "PreconditionFailed"
    assert _status(e) == 412
    assert s3.get_object(Bucket=bucket, Key="once")["Body"].read() == b"first"


def test_put_if_match_current_etag(s3, obj):
    b, k, etag = obj
    s3.put_object(Bucket=b, Key=k, Body=b"updated", IfMatch=etag)
    assert s3.get_object(Bucket=b, Key=k)["Body"].read() == b"updated"


def test_put_if_match_stale_etag_412(s3, obj):
    b, k, _ = obj
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=b, Key=k, Body=b"updated",
                      IfMatch='"00000000000000000000000000000000"')
    assert _code(e) == "PreconditionFailed"
    assert s3.get_object(Bucket=b, Key=k)["Body"].read() == BODY


def test_put_if_match_missing_key_404(s3, bucket):
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="absent", Body=b"x",
                      IfMatch='"00000000000000000000000000000000"')
    assert _code(e) == "NoSuchKey"
    assert not _exists(s3, bucket, "absent")


# -- Content-MD5 ----------------------------------------------------------------------------

def test_content_md5_correct(s3, bucket):
    r = s3.put_object(Bucket=bucket, Key="md5", Body=BODY, ContentMD5=md5_b64(BODY))
    assert r["ETag"] == _quoted_md5(BODY)


def test_content_md5_wrong_bad_digest(s3, bucket):
    """Content-MD5 of other bytes: 400 BadDigest, nothing stored."""
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="md5", Body=BODY, ContentMD5=md5_b64(b"other"))
    assert _code(e) == "BadDigest"
    assert _status(e) == 400
    assert not _exists(s3, bucket, "md5")


@pytest.mark.parametrize("value", ["not base64!", "AAAA", md5_b64(b"x")[:-4]])
def test_content_md5_malformed_invalid_digest(s3, bucket, value):
    """A Content-MD5 that is not base64 of 16 bytes: 400 InvalidDigest."""
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="md5", Body=BODY, ContentMD5=value)
    assert _code(e) == "InvalidDigest"
    assert not _exists(s3, bucket, "md5")


def test_content_md5_wrong_keeps_old_object(s3, obj):
    """A BadDigest overwrite leaves the previous object intact."""
    b, k, _ = obj
    with pytest.raises(ClientError):
        s3.put_object(Bucket=b, Key=k, Body=b"new", ContentMD5=md5_b64(b"old"))
    assert s3.get_object(Bucket=b, Key=k)["Body"].read() == BODY


# -- flexible checksums ---------------------------------------------------------------------

@pytest.mark.parametrize("algo", ["CRC32", "SHA1", "SHA256"])
def test_checksum_algorithm_put_then_get_validates(s3, bucket, algo):
    """ChecksumAlgorithm on PUT (botocore computes it): the reply and a
    ChecksumMode=ENABLED GET carry the same value, which botocore validates
    while reading the body."""
    r = s3.put_object(Bucket=bucket, Key="ck", Body=BODY, ChecksumAlgorithm=algo)
    want = checksum_b64(algo, BODY)
    assert r["Checksum" + algo] == want
    g = s3.get_object(Bucket=bucket, Key="ck", ChecksumMode="ENABLED")
    assert g["Checksum" + algo] == want
    assert g["Body"].read() == BODY  # raises FlexibleChecksumError on mismatch
    h = s3.head_object(Bucket=bucket, Key="ck", ChecksumMode="ENABLED")
    assert h["Checksum" + algo] == want


@pytest.mark.parametrize("algo", ["CRC32C", "CRC64NVME"])
def test_checksum_precomputed_crt_algorithms(s3, bucket, algo):
    """CRC32C and CRC64NVME (botocore needs awscrt to compute them, so the
    test sends its own value): verified, stored, returned on GET."""
    want = checksum_b64(algo, BODY)
    r = s3.put_object(Bucket=bucket, Key="ck", Body=BODY, **{"Checksum" + algo: want})
    assert r["Checksum" + algo] == want
    g = s3.get_object(Bucket=bucket, Key="ck", ChecksumMode="ENABLED")
    assert _headers(g)["x-amz-checksum-" + algo.lower()] == want
    assert g["Body"].read() == BODY


@pytest.mark.parametrize("algo", ["CRC32C", "CRC64NVME", "SHA1"])
def test_checksum_precomputed_wrong_bad_digest(s3, bucket, algo):
    """A wrong (well-formed) checksum value of each kind: BadDigest."""
    wrong = checksum_b64(algo, BODY + b"!")
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="ck", Body=BODY, **{"Checksum" + algo: wrong})
    assert _code(e) == "BadDigest"
    assert not _exists(s3, bucket, "ck")


def test_default_client_stores_crc32(s3, bucket):
    """boto3's default (when_supported) sends a CRC32 on every PutObject;
    it is stored and returned with ChecksumMode."""
    s3.put_object(Bucket=bucket, Key="d", Body=BODY)
    g = s3.get_object(Bucket=bucket, Key="d", ChecksumMode="ENABLED")
    assert g["ChecksumCRC32"] == checksum_b64("CRC32", BODY)
    g["Body"].read()


def test_no_checksum_without_checksum_mode(daemon, s3, bucket):
    """Without x-amz-checksum-mode the stored checksum is not sent (boto3
    always sends the mode for GetObject, so this one is raw)."""
    s3.put_object(Bucket=bucket, Key="d", Body=BODY, ChecksumAlgorithm="SHA256")
    r = signed_request(daemon, "GET", f"/{bucket}/d")
    assert r.status_code == 200
    assert r.content == BODY
    assert not any(h.lower().startswith("x-amz-checksum-") for h in r.headers)
    r = signed_request(daemon, "GET", f"/{bucket}/d", headers={"x-amz-checksum-mode": "ENABLED"})
    assert r.headers["x-amz-checksum-sha256"] == checksum_b64("SHA256", BODY)


def test_wrong_crc32_via_boto3_bad_digest(s3, bucket):
    """ChecksumCRC32='AAAAAA==' (not the body's): 400 BadDigest."""
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="bad", Body=BODY, ChecksumCRC32="AAAAAA==")
    assert _code(e) == "BadDigest"
    assert _status(e) == 400
    assert not _exists(s3, bucket, "bad")


def test_wrong_crc32_raw_signed_bad_digest(daemon, s3, bucket):
    """The same through a raw SigV4-signed request."""
    r = signed_request(daemon, "PUT", f"/{bucket}/bad", body=BODY,
                       headers={"x-amz-checksum-crc32": checksum_b64("CRC32", b"other")})
    assert r.status_code == 400
    assert error_code(r) == "BadDigest"
    assert not _exists(s3, bucket, "bad")


def test_malformed_checksum_value_invalid_request(daemon, s3, bucket):
    """A checksum header that is not base64 of the right length: 400."""
    r = signed_request(daemon, "PUT", f"/{bucket}/bad", body=BODY,
                       headers={"x-amz-checksum-sha256": "AAAAAA=="})
    assert r.status_code == 400
    assert error_code(r) == "InvalidRequest"
    assert not _exists(s3, bucket, "bad")


def test_two_checksum_headers_invalid_request(daemon, s3, bucket):
    r = signed_request(daemon, "PUT", f"/{bucket}/two", body=BODY, headers={
        "x-amz-checksum-crc32": checksum_b64("CRC32", BODY),
        "x-amz-checksum-sha1": checksum_b64("SHA1", BODY)})
    assert r.status_code == 400
    assert error_code(r) == "InvalidRequest"
    assert not _exists(s3, bucket, "two")


def test_ranged_get_with_checksum_mode(s3, bucket):
    """A ranged GET with ChecksumMode=ENABLED succeeds: 206, the right
    bytes, no full-object checksum header (botocore would reject it)."""
    s3.put_object(Bucket=bucket, Key="ck", Body=BODY, ChecksumAlgorithm="CRC32")
    g = s3.get_object(Bucket=bucket, Key="ck", Range="bytes=100-199", ChecksumMode="ENABLED")
    assert g["ResponseMetadata"]["HTTPStatusCode"] == 206
    assert g["Body"].read() == BODY[100:200]
    assert "x-amz-checksum-crc32" not in _headers(g)


def test_when_required_client(daemon, bucket):
    """A client with request_checksum_calculation='when_required' (no
    checksum headers) puts and gets; nothing is stored as a checksum."""
    c = client(daemon.url, request_checksum_calculation="when_required",
               response_checksum_validation="when_required")
    r = c.put_object(Bucket=bucket, Key="wr", Body=BODY)
    assert r["ETag"] == _quoted_md5(BODY)
    assert "ChecksumCRC32" not in r
    g = c.get_object(Bucket=bucket, Key="wr", ChecksumMode="ENABLED")
    assert g["Body"].read() == BODY
    assert not any(h.startswith("x-amz-checksum-") for h in _headers(g))


def test_checksum_listed_algorithm(s3, bucket):
    """ListObjectsV2 names the stored ChecksumAlgorithm."""
    s3.put_object(Bucket=bucket, Key="ck", Body=BODY, ChecksumAlgorithm="SHA1")
    listed = s3.list_objects_v2(Bucket=bucket)["Contents"][0]
    assert listed["ChecksumAlgorithm"] == ["SHA1"]


# -- CopyObject ------------------------------------------------------------------------------

def test_copy_object_default_copies_metadata(s3, bucket):
    """CopyObject (COPY): same bytes, ETag, metadata and content headers."""
    s3.put_object(Bucket=bucket, Key="src", Body=BODY, Metadata={"m": "1"},
                  ContentType="text/plain", ContentDisposition="inline")
    r = s3.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "src"})
    assert r["CopyObjectResult"]["ETag"] == _quoted_md5(BODY)
    assert r["CopyObjectResult"]["LastModified"]
    g = s3.get_object(Bucket=bucket, Key="dst")
    assert g["Body"].read() == BODY
    assert g["Metadata"] == {"m": "1"}
    assert g["ContentType"] == "text/plain"
    assert g["ContentDisposition"] == "inline"


def test_copy_object_explicit_copy_directive_ignores_new_metadata(s3, bucket):
    """MetadataDirective=COPY ignores metadata sent with the copy."""
    s3.put_object(Bucket=bucket, Key="src", Body=b"x", Metadata={"m": "1"})
    s3.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "src"},
                   MetadataDirective="COPY", Metadata={"other": "2"})
    assert s3.head_object(Bucket=bucket, Key="dst")["Metadata"] == {"m": "1"}


def test_copy_object_replace_metadata(s3, bucket):
    """MetadataDirective=REPLACE: the copy has only the new metadata."""
    s3.put_object(Bucket=bucket, Key="src", Body=BODY, Metadata={"m": "1"},
                  ContentType="text/plain")
    s3.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "src"},
                   MetadataDirective="REPLACE", Metadata={"n": "2"},
                   ContentType="application/json")
    g = s3.get_object(Bucket=bucket, Key="dst")
    assert g["Metadata"] == {"n": "2"}
    assert g["ContentType"] == "application/json"
    assert g["Body"].read() == BODY
    # The source is untouched.
    assert s3.head_object(Bucket=bucket, Key="src")["Metadata"] == {"m": "1"}


def test_copy_object_across_buckets(s3, bucket):
    other = new_bucket_name()
    s3.create_bucket(Bucket=other)
    try:
        s3.put_object(Bucket=bucket, Key="src", Body=BODY)
        s3.copy_object(Bucket=other, Key="copied", CopySource={"Bucket": bucket, "Key": "src"})
        assert s3.get_object(Bucket=other, Key="copied")["Body"].read() == BODY
    finally:
        s3.delete_object(Bucket=other, Key="copied")
        s3.delete_bucket(Bucket=other)


def test_copy_onto_itself_without_replace_invalid(s3, obj):
    """Copying an object onto itself without REPLACE: 400 InvalidRequest."""
    b, k, _ = obj
    with pytest.raises(ClientError) as e:
        s3.copy_object(Bucket=b, Key=k, CopySource={"Bucket": b, "Key": k})
    assert _code(e) == "InvalidRequest"
    assert _status(e) == 400


def test_copy_onto_itself_with_replace(s3, bucket):
    """Copying onto itself with REPLACE updates the metadata in place."""
    s3.put_object(Bucket=bucket, Key="self", Body=BODY, Metadata={"v": "1"})
    s3.copy_object(Bucket=bucket, Key="self", CopySource={"Bucket": bucket, "Key": "self"},
                   MetadataDirective="REPLACE", Metadata={"v": "2"})
    g = s3.get_object(Bucket=bucket, Key="self")
    assert g["Metadata"] == {"v": "2"}
    assert g["Body"].read() == BODY


def test_copy_source_if_match_mismatch(s3, obj):
    """x-amz-copy-source-if-match with another ETag: 412 PreconditionFailed."""
    b, k, _ = obj
    with pytest.raises(ClientError) as e:
        s3.copy_object(Bucket=b, Key="dst", CopySource={"Bucket": b, "Key": k},
                       CopySourceIfMatch='"00000000000000000000000000000000"')
    assert _code(e) == "PreconditionFailed"
    assert _status(e) == 412
    assert not _exists(s3, b, "dst")


def test_copy_source_if_match_matching(s3, obj):
    b, k, etag = obj
    s3.copy_object(Bucket=b, Key="dst", CopySource={"Bucket": b, "Key": k},
                   CopySourceIfMatch=etag)
    assert s3.get_object(Bucket=b, Key="dst")["Body"].read() == BODY


def test_copy_source_if_none_match_matching_412(s3, obj):
    b, k, etag = obj
    with pytest.raises(ClientError) as e:
        s3.copy_object(Bucket=b, Key="dst", CopySource={"Bucket": b, "Key": k},
                       CopySourceIfNoneMatch=etag)
    assert _code(e) == "PreconditionFailed"


def test_copy_source_if_unmodified_since_past_412(s3, obj):
    b, k, _ = obj
    with pytest.raises(ClientError) as e:
        s3.copy_object(Bucket=b, Key="dst", CopySource={"Bucket": b, "Key": k},
                       CopySourceIfUnmodifiedSince=datetime.datetime(2000, 1, 1))
    assert _code(e) == "PreconditionFailed"


def test_copy_unknown_metadata_directive(s3, obj):
    b, k, _ = obj
    with pytest.raises(ClientError) as e:
        s3.copy_object(Bucket=b, Key="dst", CopySource={"Bucket": b, "Key": k},
                       MetadataDirective="MERGE")
    assert _code(e) == "InvalidArgument"
    assert not _exists(s3, b, "dst")


def test_copy_missing_source(s3, bucket):
    with pytest.raises(ClientError) as e:
        s3.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "nope"})
    assert _code(e) == "NoSuchKey"


def test_copy_source_with_odd_key(s3, bucket):
    """A source key with spaces, '+', '%' and non-ASCII is URL-decoded
    correctly from x-amz-copy-source."""
    key = "dir with space/a+b%20c/ünï 😀.txt"
    s3.put_object(Bucket=bucket, Key=key, Body=b"odd")
    s3.copy_object(Bucket=bucket, Key="plain", CopySource={"Bucket": bucket, "Key": key})
    assert s3.get_object(Bucket=bucket, Key="plain")["Body"].read() == b"odd"


def test_copy_is_independent_of_source(s3, bucket):
    """Deleting the source after a copy leaves the copy readable."""
    s3.put_object(Bucket=bucket, Key="src", Body=BODY)
    s3.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "src"})
    s3.delete_object(Bucket=bucket, Key="src")
    assert s3.get_object(Bucket=bucket, Key="dst")["Body"].read() == BODY


def test_copy_to_too_long_key(s3, obj):
    b, k, _ = obj
    with pytest.raises(ClientError) as e:
        s3.copy_object(Bucket=b, Key="k" * 2000, CopySource={"Bucket": b, "Key": k})
    assert _code(e) == "KeyTooLongError"


# -- DeleteObjects -----------------------------------------------------------------------------

def test_delete_objects_reports_deleted(s3, bucket):
    """DeleteObjects (not quiet): every key is reported Deleted (a missing
    one too, as S3 does) and the objects are gone."""
    for k in ("a", "b/c", "d e"):
        s3.put_object(Bucket=bucket, Key=k, Body=b"x")
    r = s3.delete_objects(Bucket=bucket, Delete={"Objects": [
        {"Key": "a"}, {"Key": "b/c"}, {"Key": "d e"}, {"Key": "never"}]})
    assert sorted(d["Key"] for d in r["Deleted"]) == ["a", "b/c", "d e", "never"]
    assert "Errors" not in r
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


def test_delete_objects_quiet(s3, bucket):
    """Quiet mode: no Deleted entries, objects still deleted."""
    for k in ("a", "b"):
        s3.put_object(Bucket=bucket, Key=k, Body=b"x")
    s3.put_object(Bucket=bucket, Key="keep", Body=b"x")
    r = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "a"}, {"Key": "b"}],
                                                "Quiet": True})
    assert "Deleted" not in r
    assert "Errors" not in r
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["keep"]


def test_delete_objects_malformed_xml(daemon, s3, bucket):
    """A signed DeleteObjects whose body is not XML: 400 MalformedXML."""
    s3.put_object(Bucket=bucket, Key="a", Body=b"x")
    body = b"<Delete><Object><Key>a</Key></Object"
    r = signed_request(daemon, "POST", f"/{bucket}?delete", body=body,
                       headers={"Content-MD5": md5_b64(body)})
    assert r.status_code == 400
    assert error_code(r) == "MalformedXML"
    assert _exists(s3, bucket, "a")


def test_delete_objects_empty_list_malformed(daemon, bucket):
    body = b"<Delete></Delete>"
    r = signed_request(daemon, "POST", f"/{bucket}?delete", body=body,
                       headers={"Content-MD5": md5_b64(body)})
    assert r.status_code == 400
    assert error_code(r) == "MalformedXML"


def test_delete_objects_over_1000_keys_malformed(s3, bucket):
    """More than 1,000 keys in one DeleteObjects: MalformedXML, nothing
    deleted."""
    s3.put_object(Bucket=bucket, Key="k0", Body=b"x")
    with pytest.raises(ClientError) as e:
        s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": f"k{i}"}
                                                             for i in range(1001)]})
    assert _code(e) == "MalformedXML"
    assert _exists(s3, bucket, "k0")


def test_delete_objects_missing_bucket(s3):
    with pytest.raises(ClientError) as e:
        s3.delete_objects(Bucket=new_bucket_name(), Delete={"Objects": [{"Key": "a"}]})
    assert _code(e) == "NoSuchBucket"


def test_delete_objects_odd_keys(s3, bucket):
    """Keys needing XML escaping ('&', '<') are deleted and echoed back."""
    keys = ["a&b", "x<y>z", "quote\"s", "ü/ß"]
    for k in keys:
        s3.put_object(Bucket=bucket, Key=k, Body=b"x")
    r = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in keys]})
    assert sorted(d["Key"] for d in r["Deleted"]) == sorted(keys)
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


# -- awkward keys ---------------------------------------------------------------------------------

ODD_KEYS = [
    "ünïcødé/日本語 ファイル.txt",
    "emoji 😀 key",
    "with space",
    "a+b+c",
    "100%",
    "%41%2F",
    "../escape",
    "../../../../../../tmp/sagelite-escape",
    "a/../../b",
    "//double//slash//",
    "./dot/./segments",
    "trailing/",
    "semi;colon&amp=x?y#z",
    "tilde~and'quote\"",
    "back\\slash",
    "x" * 1024,
]


@pytest.mark.parametrize("key", ODD_KEYS, ids=range(len(ODD_KEYS)))
def test_odd_key_round_trip(s3, bucket, key):
    """Each odd key round-trips exactly: put, get, head, list, delete."""
    body = key.encode()[:64] + b"|body"
    s3.put_object(Bucket=bucket, Key=key, Body=body)
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == body
    assert s3.head_object(Bucket=bucket, Key=key)["ContentLength"] == len(body)
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == [key]
    s3.delete_object(Bucket=bucket, Key=key)
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


def test_odd_keys_stay_inside_the_store(start_daemon):
    """With every odd key stored in a fresh daemon, the data dir holds only
    sagelite.db*, blobs/ (hex-named files) and an empty tmp/; nothing
    appears beside the data dir."""
    d = start_daemon()
    c = client(d.url)
    c.create_bucket(Bucket="odd")
    for key in ODD_KEYS:
        c.put_object(Bucket="odd", Key=key, Body=key.encode())
    for key in ODD_KEYS:
        assert c.get_object(Bucket="odd", Key=key)["Body"].read() == key.encode()
    top = sorted(os.listdir(d.data_dir))
    assert set(top) - {"sagelite.db", "sagelite.db-wal", "sagelite.db-shm"} == {"blobs", "tmp"}, top
    assert os.listdir(d.data_dir / "tmp") == []
    blobs = []
    for sub in os.listdir(d.data_dir / "blobs"):
        assert len(sub) == 2 and all(ch in "0123456789abcdef" for ch in sub), sub
        for f in os.listdir(d.data_dir / "blobs" / sub):
            assert len(f) == 32 and f.startswith(sub) and \
                all(ch in "0123456789abcdef" for ch in f), f
            assert (d.data_dir / "blobs" / sub / f).is_file()
            blobs.append(f)
    assert len(blobs) == len(ODD_KEYS)
    assert sorted(os.listdir(d.data_dir.parent)) == ["data", "stderr.log"]
    assert not os.path.exists("/tmp/sagelite-escape")


def test_key_too_long(s3, bucket):
    """A 2,000-byte key: 400 KeyTooLongError."""
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="k" * 2000, Body=b"x")
    assert _code(e) == "KeyTooLongError"
    assert _status(e) == 400
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


def test_key_too_long_multibyte(s3, bucket):
    """The limit is 1,024 bytes of UTF-8, not characters: 342 × 'ü'
    (684 bytes) is fine, 513 × 'ü' (1,026 bytes) is too long."""
    s3.put_object(Bucket=bucket, Key="ü" * 342, Body=b"x")
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="ü" * 513, Body=b"x")
    assert _code(e) == "KeyTooLongError"


@pytest.mark.parametrize("method", ["PUT", "GET", "HEAD", "DELETE"])
def test_invalid_utf8_key_raw(daemon, s3, bucket, method):
    """A key with an invalid-UTF-8 escape (%FF), signed and sent raw: 400
    (never a 5xx, never a stored object)."""
    r = raw_signed(daemon, method, f"/{bucket}/bad%FFkey",
                   body=b"x" if method == "PUT" else b"")
    assert r.status == 400, r
    if method != "HEAD":
        assert s3_error_code(r.body) in ("InvalidArgument", "InvalidURI"), r
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


@pytest.mark.parametrize("method", ["GET", "HEAD", "DELETE"])
def test_nul_in_key_does_not_alias_shorter_key(daemon, s3, bucket, method):
    """GET/HEAD/DELETE /bucket/a%00x never reach object "a" (the key is not
    cut at the NUL): 400, and "a" is untouched."""
    s3.put_object(Bucket=bucket, Key="a", Body=b"the real a")
    r = raw_signed(daemon, method, f"/{bucket}/a%00x")
    assert r.status == 400, r
    assert s3.get_object(Bucket=bucket, Key="a")["Body"].read() == b"the real a"


def test_nul_in_copy_source_refused(daemon, s3, bucket):
    """x-amz-copy-source: /bucket/a%00x (sent raw; boto3 would escape the
    '%') does not copy object "a"."""
    s3.put_object(Bucket=bucket, Key="a", Body=b"the real a")
    r = signed_request(daemon, "PUT", f"/{bucket}/dst",
                       headers={"x-amz-copy-source": f"/{bucket}/a%00x"})
    assert r.status_code == 400, r.text
    assert error_code(r) == "InvalidArgument"
    assert not _exists(s3, bucket, "dst")


def test_nul_in_bucket_name_refused(daemon, s3, bucket):
    """/<bucket>%00junk/key does not address <bucket>."""
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    r = raw_signed(daemon, "GET", f"/{bucket}%00junk/k")
    assert r.status == 400, r


# -- presigned URLs ---------------------------------------------------------------------------------

PRESIGN_CONFIGS = {"v4": {"signature_version": "s3v4"}, "v2": {"signature_version": "s3"},
                   "default": {}}


@pytest.mark.parametrize("form", list(PRESIGN_CONFIGS))
def test_presigned_put_get_head_delete(daemon, s3, bucket, form):
    """Presigned PUT, GET, HEAD and DELETE URLs work with plain requests."""
    c = client(daemon.url, **PRESIGN_CONFIGS[form])
    params = {"Bucket": bucket, "Key": "pre signed/ü.bin"}
    put = c.generate_presigned_url("put_object", Params=params, ExpiresIn=300)
    if form == "v4":
        assert "X-Amz-Signature=" in put
    if form in ("v2", "default"):  # boto3 presigns S3 with SigV2 by default
        assert "AWSAccessKeyId=" in put and "X-Amz-Signature" not in put
    r = requests.put(put, data=BODY, timeout=10)
    assert r.status_code == 200, r.text
    assert r.headers["ETag"] == _quoted_md5(BODY)
    get = c.generate_presigned_url("get_object", Params=params, ExpiresIn=300)
    r = requests.get(get, timeout=10)
    assert r.status_code == 200, r.text
    assert r.content == BODY
    head = c.generate_presigned_url("head_object", Params=params, ExpiresIn=300)
    r = requests.head(head, timeout=10)
    assert r.status_code == 200
    assert r.headers["Content-Length"] == str(len(BODY))
    delete = c.generate_presigned_url("delete_object", Params=params, ExpiresIn=300)
    r = requests.delete(delete, timeout=10)
    assert r.status_code == 204, r.text
    assert not _exists(s3, bucket, params["Key"])


def test_presigned_get_tampered_key_refused(daemon, s3, obj):
    """A presigned GET URL pointed at another key: 403 SignatureDoesNotMatch."""
    b, k, _ = obj
    s3.put_object(Bucket=b, Key="other", Body=b"x")
    c = client(daemon.url, signature_version="s3v4")
    url = c.generate_presigned_url("get_object", Params={"Bucket": b, "Key": k})
    r = requests.get(url.replace(f"/{k}?", "/other?"), timeout=10)
    assert r.status_code == 403
    assert error_code(r) == "SignatureDoesNotMatch"


@pytest.fixture(scope="module")
def expired(daemon):
    """Presigned URLs with ExpiresIn=1, all past expiry (one sleep)."""
    s3c = client(daemon.url)
    name = new_bucket_name("exp")
    s3c.create_bucket(Bucket=name)
    s3c.put_object(Bucket=name, Key="k", Body=b"x")
    urls = {}
    for form in ("v4", "v2"):
        c = client(daemon.url, **PRESIGN_CONFIGS[form])
        for op in ("get_object", "put_object", "head_object", "delete_object"):
            urls[form, op] = c.generate_presigned_url(
                op, Params={"Bucket": name, "Key": "k"}, ExpiresIn=1)
    time.sleep(2.2)
    yield name, urls
    s3c.delete_object(Bucket=name, Key="k")
    s3c.delete_bucket(Bucket=name)


@pytest.mark.parametrize("form", ["v4", "v2"])
@pytest.mark.parametrize("op", ["get_object", "put_object", "delete_object"])
def test_presigned_expired(daemon, expired, form, op):
    """An expired presigned URL: 403 AccessDenied; the object is intact."""
    name, urls = expired
    method = {"get_object": "GET", "put_object": "PUT", "delete_object": "DELETE"}[op]
    r = requests.request(method, urls[form, op], data=b"new" if method == "PUT" else None,
                         timeout=10)
    assert r.status_code == 403
    assert error_code(r) == "AccessDenied"
    assert client(daemon.url).get_object(Bucket=name, Key="k")["Body"].read() == b"x"


@pytest.mark.parametrize("form", ["v4", "v2"])
def test_presigned_head_expired(expired, form):
    _, urls = expired
    r = requests.head(urls[form, "head_object"], timeout=10)
    assert r.status_code == 403
    assert r.content == b""


# -- SigV2 header auth ---------------------------------------------------------------------------------

def test_sigv2_header_put_and_get(daemon, s3, bucket):
    """Authorization: AWS id:sig (botocore HmacV1Auth) works for PUT and GET."""
    url = f"{daemon.url}/{bucket}/v2%20key"
    hdrs = sigv2_headers("PUT", url, headers={"Content-Type": "text/plain",
                                               "x-amz-meta-sig": "v2"})
    r = requests.put(url, data=b"signed v2", headers=hdrs, timeout=10)
    assert r.status_code == 200, r.text
    r = requests.get(url, headers=sigv2_headers("GET", url), timeout=10)
    assert r.status_code == 200, r.text
    assert r.content == b"signed v2"
    g = s3.get_object(Bucket=bucket, Key="v2 key")
    assert g["Metadata"] == {"sig": "v2"}
    assert g["ContentType"] == "text/plain"


def test_sigv2_header_subresource(daemon, bucket):
    """SigV2 with a sub-resource in the canonical resource (?acl)."""
    url = f"{daemon.url}/{bucket}?acl"
    r = requests.get(url, headers=sigv2_headers("GET", url), timeout=10)
    assert r.status_code == 200, r.text
    assert b"FULL_CONTROL" in r.content


def test_sigv2_header_wrong_secret(daemon, s3, bucket):
    """SigV2 with a wrong secret: 403 SignatureDoesNotMatch, nothing stored."""
    url = f"{daemon.url}/{bucket}/v2"
    r = requests.put(url, data=b"x", headers=sigv2_headers("PUT", url, secret="wrong"),
                     timeout=10)
    assert r.status_code == 403
    assert error_code(r) == "SignatureDoesNotMatch"
    assert not _exists(s3, bucket, "v2")


def test_sigv2_header_tampered_content_type(daemon, s3, bucket):
    """Changing a signed header (Content-Type) after signing: refused."""
    url = f"{daemon.url}/{bucket}/v2"
    hdrs = sigv2_headers("PUT", url, headers={"Content-Type": "text/plain"})
    hdrs["Content-Type"] = "text/html"
    r = requests.put(url, data=b"x", headers=hdrs, timeout=10)
    assert r.status_code == 403
    assert error_code(r) == "SignatureDoesNotMatch"


# -- payload hash, truncated bodies ---------------------------------------------------------------------

def test_content_sha256_mismatch(daemon, s3, bucket):
    """x-amz-content-sha256 signed for one body, another body of the same
    length sent: 400 XAmzContentSHA256Mismatch and nothing stored."""
    url = f"{daemon.url}/{bucket}/sha"
    hdrs = botocore_signed("PUT", url, "s3", body=b"A" * 100)
    r = requests.put(url, data=b"B" * 100, headers=hdrs, timeout=10)
    assert r.status_code == 400
    assert error_code(r) == "XAmzContentSHA256Mismatch"
    assert not _exists(s3, bucket, "sha")


def test_unsigned_payload_accepted(daemon, s3, bucket):
    """x-amz-content-sha256: UNSIGNED-PAYLOAD is accepted for any body."""
    url = f"{daemon.url}/{bucket}/unsigned"
    hdrs = unsigned_payload_headers("PUT", url)
    r = requests.put(url, data=b"anything", headers=hdrs, timeout=10)
    assert r.status_code == 200, r.text
    assert s3.get_object(Bucket=bucket, Key="unsigned")["Body"].read() == b"anything"


def test_content_length_larger_than_body(daemon, s3, bucket):
    """Content-Length 100000 with 1000 bytes sent, then the client closes:
    the daemon stays up, the key does not exist and no temp file is left."""
    path = f"/{bucket}/truncated"
    full = os.urandom(100000)
    aborts = daemon.stderr_text().count(f"PUT {path} aborted")
    r = raw_signed(daemon, "PUT", path, body=full, send_body=full[:1000], shut_write=True)
    assert r is None, r  # no reply is possible: the body never completed
    deadline = time.monotonic() + 10
    while daemon.stderr_text().count(f"PUT {path} aborted") == aborts and \
            time.monotonic() < deadline:
        time.sleep(0.05)
    assert daemon.stderr_text().count(f"PUT {path} aborted") == aborts + 1
    daemon.check_alive()
    assert daemon.health()
    assert not _exists(s3, bucket, "truncated")
    assert os.listdir(daemon.data_dir / "tmp") == []


def test_pipelined_puts_on_one_connection(daemon, s3, bucket):
    """Two raw signed PUTs on one keep-alive connection: both stored in
    order (the second wins)."""
    path = f"/{bucket}/pipelined"
    host = {"Host": f"127.0.0.1:{daemon.port}"}
    one = {**botocore_signed("PUT", daemon.url + path, "s3", body=b"one"), **host}
    two = {**botocore_signed("PUT", daemon.url + path, "s3", body=b"two!"), **host}
    two["Connection"] = "close"
    data = build_raw("PUT", path, {**one, "Content-Length": "3"}, b"one") + \
        build_raw("PUT", path, {**two, "Content-Length": "4"}, b"two!")
    out = raw_http(daemon.port, data)
    assert out.count(b"HTTP/1.1 200") == 2, out[:500]
    assert s3.get_object(Bucket=bucket, Key="pipelined")["Body"].read() == b"two!"


def test_percent_encoded_path_matches_decoded_key(daemon, s3, bucket):
    """A raw request with every byte of the key percent-encoded reaches the
    same object boto3 stored."""
    key = "enc/ü ö+~"
    s3.put_object(Bucket=bucket, Key=key, Body=b"enc")
    canonical = f"/{bucket}/" + quote(key, safe="/~")
    # Every byte but the '/' escaped, even unreserved ones ('e' as %65).
    over = f"/{bucket}/" + "/".join("".join(f"%{b:02X}" for b in part.encode())
                                   for part in key.split("/"))
    r = raw_signed(daemon, "GET", over, sign_path=canonical)
    assert r.status == 200, r
    assert r.body == b"enc"
    # A literal '+' and '~' in the path are themselves, never a space.
    r = raw_signed(daemon, "GET", f"/{bucket}/" + quote(key, safe="/+~"), sign_path=canonical)
    assert r.status == 200, r
    assert r.body == b"enc"
    r = signed_request(daemon, "GET", f"/{bucket}/" + quote("enc/ü ö ~", safe="/~"))
    assert r.status_code == 404
