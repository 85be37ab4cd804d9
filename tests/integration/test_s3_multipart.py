"""S3 multipart uploads against the daemon: s3transfer and the aws CLI
(which split big files into parts on their own), and the raw operations
with their error cases (CreateMultipartUpload, UploadPart, UploadPartCopy,
CompleteMultipartUpload, AbortMultipartUpload, ListParts,
ListMultipartUploads)."""
import base64
import hashlib
import os
import subprocess
import sys
import uuid
import zlib
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from conftest import clean_env

MiB = 1024 * 1024
AWS = Path(sys.executable).with_name("aws")


@pytest.fixture
def s3(daemon):
    return daemon.client("s3")


@pytest.fixture
def bucket(s3):
    name = "mp-" + uuid.uuid4().hex[:20]
    s3.create_bucket(Bucket=name)
    return name


def error_code(excinfo):
    return excinfo.value.response["Error"]["Code"]


def big_file(tmp_path, size=20 * MiB, name="big.bin"):
    path = tmp_path / name
    data = os.urandom(size)
    path.write_bytes(data)
    return path, data


def md5(b):
    return hashlib.md5(b).hexdigest()


def multipart_etag(parts):
    """S3's ETag of a multipart object: MD5 of the binary part MD5s, -N."""
    joined = b"".join(hashlib.md5(p).digest() for p in parts)
    return f'"{hashlib.md5(joined).hexdigest()}-{len(parts)}"'


def crc32_b64(b):
    return base64.b64encode(zlib.crc32(b).to_bytes(4, "big")).decode()


def upload_parts(s3, bucket, key, upload_id, parts, **kw):
    """UploadPart each of parts (numbered from 1); returns the Complete list."""
    out = []
    for i, body in enumerate(parts, 1):
        r = s3.upload_part(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=i,
                           Body=body, **kw)
        out.append({"PartNumber": i, "ETag": r["ETag"]})
    return out


# ---- through s3transfer -----------------------------------------------------

def test_upload_file_multipart_round_trip(s3, bucket, tmp_path):
    """upload_file of 100 MB goes multipart (default flexible checksums);
    download_file (parallel ranged GETs) gives the same bytes back."""
    src, data = big_file(tmp_path, size=100 * MiB)
    s3.upload_file(str(src), bucket, "big/object.bin")
    head = s3.head_object(Bucket=bucket, Key="big/object.bin")
    assert head["ContentLength"] == len(data)
    assert head["ETag"].endswith('-13"')  # twelve 8 MiB parts and one of 4 MiB
    dst = tmp_path / "back.bin"
    s3.download_file(bucket, "big/object.bin", str(dst))
    assert dst.read_bytes() == data
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


def test_upload_file_when_required_checksums(daemon, bucket, tmp_path):
    """The same with request_checksum_calculation=when_required: no
    checksum at all on the parts, and no checksum on the object."""
    s3 = daemon.client("s3", request_checksum_calculation="when_required")
    src, data = big_file(tmp_path)
    s3.upload_file(str(src), bucket, "plain.bin")
    head = s3.head_object(Bucket=bucket, Key="plain.bin", ChecksumMode="ENABLED")
    assert head["ContentLength"] == len(data)
    assert "ChecksumCRC32" not in head
    dst = tmp_path / "back.bin"
    s3.download_file(bucket, "plain.bin", str(dst))
    assert dst.read_bytes() == data


# ---- the raw operations -------------------------------------------------------

def test_manual_multipart_etag(s3, bucket):
    """Create, three parts, Complete: ETag is md5 of md5s + "-3"; the object
    is the parts concatenated and keeps the create's metadata."""
    parts = [os.urandom(5 * MiB), os.urandom(5 * MiB + 17), b"tail" * 100]
    up = s3.create_multipart_upload(Bucket=bucket, Key="m.bin", ContentType="text/x-test",
                                    Metadata={"color": "blue"})
    assert up["Bucket"] == bucket and up["Key"] == "m.bin" and up["UploadId"]
    listed = upload_parts(s3, bucket, "m.bin", up["UploadId"], parts)
    for p, body in zip(listed, parts):
        assert p["ETag"] == f'"{md5(body)}"'
    done = s3.complete_multipart_upload(Bucket=bucket, Key="m.bin", UploadId=up["UploadId"],
                                        MultipartUpload={"Parts": listed})
    assert done["ETag"] == multipart_etag(parts)
    assert done["Bucket"] == bucket and done["Key"] == "m.bin"
    obj = s3.get_object(Bucket=bucket, Key="m.bin")
    assert obj["Body"].read() == b"".join(parts)
    assert obj["ETag"] == multipart_etag(parts)
    assert obj["ContentType"] == "text/x-test"
    assert obj["Metadata"] == {"color": "blue"}
    assert obj["PartsCount"] == 3
    # The upload is gone once completed.
    with pytest.raises(ClientError) as e:
        s3.list_parts(Bucket=bucket, Key="m.bin", UploadId=up["UploadId"])
    assert error_code(e) == "NoSuchUpload"


def test_complete_replaces_existing_object(s3, bucket):
    """Completing over an existing key replaces it."""
    s3.put_object(Bucket=bucket, Key="r.bin", Body=b"old")
    up = s3.create_multipart_upload(Bucket=bucket, Key="r.bin")
    listed = upload_parts(s3, bucket, "r.bin", up["UploadId"], [b"new"])
    s3.complete_multipart_upload(Bucket=bucket, Key="r.bin", UploadId=up["UploadId"],
                                 MultipartUpload={"Parts": listed})
    assert s3.get_object(Bucket=bucket, Key="r.bin")["Body"].read() == b"new"


def test_parts_out_of_order(s3, bucket):
    up = s3.create_multipart_upload(Bucket=bucket, Key="o.bin")
    listed = upload_parts(s3, bucket, "o.bin", up["UploadId"], [b"a" * 10, b"b" * 10])
    with pytest.raises(ClientError) as e:
        s3.complete_multipart_upload(Bucket=bucket, Key="o.bin", UploadId=up["UploadId"],
                                     MultipartUpload={"Parts": list(reversed(listed))})
    assert error_code(e) == "InvalidPartOrder"


def test_wrong_etag_is_invalid_part(s3, bucket):
    up = s3.create_multipart_upload(Bucket=bucket, Key="e.bin")
    upload_parts(s3, bucket, "e.bin", up["UploadId"], [b"data"])
    with pytest.raises(ClientError) as e:
        s3.complete_multipart_upload(
            Bucket=bucket, Key="e.bin", UploadId=up["UploadId"],
            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": '"' + "0" * 32 + '"'}]})
    assert error_code(e) == "InvalidPart"
    # A part that was never uploaded: the same error.
    with pytest.raises(ClientError) as e:
        s3.complete_multipart_upload(
            Bucket=bucket, Key="e.bin", UploadId=up["UploadId"],
            MultipartUpload={"Parts": [{"PartNumber": 2, "ETag": md5(b"data")}]})
    assert error_code(e) == "InvalidPart"
    # ETag quotes are optional.
    s3.complete_multipart_upload(
        Bucket=bucket, Key="e.bin", UploadId=up["UploadId"],
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": md5(b"data")}]})
    assert s3.get_object(Bucket=bucket, Key="e.bin")["Body"].read() == b"data"


def test_small_non_last_part_too_small(s3, bucket):
    up = s3.create_multipart_upload(Bucket=bucket, Key="s.bin")
    listed = upload_parts(s3, bucket, "s.bin", up["UploadId"], [b"x" * 1024, b"y" * 1024])
    with pytest.raises(ClientError) as e:
        s3.complete_multipart_upload(Bucket=bucket, Key="s.bin", UploadId=up["UploadId"],
                                     MultipartUpload={"Parts": listed})
    assert error_code(e) == "EntityTooSmall"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_complete_without_parts_is_malformed(s3, bucket):
    up = s3.create_multipart_upload(Bucket=bucket, Key="n.bin")
    with pytest.raises(ClientError) as e:
        s3.complete_multipart_upload(Bucket=bucket, Key="n.bin", UploadId=up["UploadId"],
                                     MultipartUpload={"Parts": []})
    assert error_code(e) == "MalformedXML"


def test_bad_part_number_and_unknown_upload(s3, bucket):
    up = s3.create_multipart_upload(Bucket=bucket, Key="b.bin")
    with pytest.raises(ClientError) as e:
        s3.upload_part(Bucket=bucket, Key="b.bin", UploadId=up["UploadId"], PartNumber=10001,
                       Body=b"x")
    assert error_code(e) == "InvalidArgument"
    with pytest.raises(ClientError) as e:
        s3.upload_part(Bucket=bucket, Key="b.bin", UploadId="nope", PartNumber=1, Body=b"x")
    assert error_code(e) == "NoSuchUpload"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    # The upload id belongs to another key.
    with pytest.raises(ClientError) as e:
        s3.upload_part(Bucket=bucket, Key="other.bin", UploadId=up["UploadId"], PartNumber=1,
                       Body=b"x")
    assert error_code(e) == "NoSuchUpload"


def test_replacing_a_part(s3, bucket):
    """Uploading part 1 twice keeps the second."""
    up = s3.create_multipart_upload(Bucket=bucket, Key="p.bin")
    upload_parts(s3, bucket, "p.bin", up["UploadId"], [b"first"])
    listed = upload_parts(s3, bucket, "p.bin", up["UploadId"], [b"second"])
    parts = s3.list_parts(Bucket=bucket, Key="p.bin", UploadId=up["UploadId"])["Parts"]
    assert [(p["PartNumber"], p["Size"], p["ETag"]) for p in parts] == \
        [(1, 6, f'"{md5(b"second")}"')]
    s3.complete_multipart_upload(Bucket=bucket, Key="p.bin", UploadId=up["UploadId"],
                                 MultipartUpload={"Parts": listed})
    assert s3.get_object(Bucket=bucket, Key="p.bin")["Body"].read() == b"second"


def test_abort(s3, bucket):
    up = s3.create_multipart_upload(Bucket=bucket, Key="a.bin")
    upload_parts(s3, bucket, "a.bin", up["UploadId"], [b"zz" * 100])
    assert [u["UploadId"] for u in s3.list_multipart_uploads(Bucket=bucket)["Uploads"]] == \
        [up["UploadId"]]
    r = s3.abort_multipart_upload(Bucket=bucket, Key="a.bin", UploadId=up["UploadId"])
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(ClientError) as e:
        s3.list_parts(Bucket=bucket, Key="a.bin", UploadId=up["UploadId"])
    assert error_code(e) == "NoSuchUpload"
    with pytest.raises(ClientError) as e:
        s3.abort_multipart_upload(Bucket=bucket, Key="a.bin", UploadId=up["UploadId"])
    assert error_code(e) == "NoSuchUpload"
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    s3.delete_bucket(Bucket=bucket)


def test_list_parts_pagination(s3, bucket):
    up = s3.create_multipart_upload(Bucket=bucket, Key="l.bin")
    bodies = [bytes([65 + i]) * (10 + i) for i in range(5)]
    upload_parts(s3, bucket, "l.bin", up["UploadId"], bodies)
    r = s3.list_parts(Bucket=bucket, Key="l.bin", UploadId=up["UploadId"], MaxParts=2)
    assert r["IsTruncated"] is True
    assert [p["PartNumber"] for p in r["Parts"]] == [1, 2]
    assert r["NextPartNumberMarker"] == 2 and r["MaxParts"] == 2
    assert r["Initiator"]["ID"] and r["Owner"]["ID"] and r["StorageClass"] == "STANDARD"
    r = s3.list_parts(Bucket=bucket, Key="l.bin", UploadId=up["UploadId"], MaxParts=2,
                      PartNumberMarker=r["NextPartNumberMarker"])
    assert [p["PartNumber"] for p in r["Parts"]] == [3, 4] and r["IsTruncated"] is True
    r = s3.list_parts(Bucket=bucket, Key="l.bin", UploadId=up["UploadId"], MaxParts=2,
                      PartNumberMarker=r["NextPartNumberMarker"])
    assert [p["PartNumber"] for p in r["Parts"]] == [5] and r["IsTruncated"] is False
    assert r["Parts"][0]["Size"] == 14
    assert r["Parts"][0]["ETag"] == f'"{md5(bodies[4])}"'
    # The paginator walks the same pages.
    pages = s3.get_paginator("list_parts").paginate(
        Bucket=bucket, Key="l.bin", UploadId=up["UploadId"], PaginationConfig={"PageSize": 2})
    assert [p["PartNumber"] for page in pages for p in page["Parts"]] == [1, 2, 3, 4, 5]
    s3.abort_multipart_upload(Bucket=bucket, Key="l.bin", UploadId=up["UploadId"])


def test_list_multipart_uploads(s3, bucket):
    ids = {}
    for key in ["a/1", "a/2", "b", "c/x/y"]:
        ids[key] = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    second = s3.create_multipart_upload(Bucket=bucket, Key="b")["UploadId"]
    r = s3.list_multipart_uploads(Bucket=bucket)
    assert [(u["Key"], u["UploadId"]) for u in r["Uploads"]] == [
        ("a/1", ids["a/1"]), ("a/2", ids["a/2"]), ("b", ids["b"]), ("b", second),
        ("c/x/y", ids["c/x/y"])]
    assert r["IsTruncated"] is False
    r = s3.list_multipart_uploads(Bucket=bucket, Delimiter="/")
    assert [u["Key"] for u in r["Uploads"]] == ["b", "b"]
    assert [p["Prefix"] for p in r["CommonPrefixes"]] == ["a/", "c/"]
    r = s3.list_multipart_uploads(Bucket=bucket, Prefix="a/")
    assert [u["Key"] for u in r["Uploads"]] == ["a/1", "a/2"]
    r = s3.list_multipart_uploads(Bucket=bucket, MaxUploads=3)
    assert r["IsTruncated"] is True and len(r["Uploads"]) == 3
    assert r["NextKeyMarker"] == "b" and r["NextUploadIdMarker"] == ids["b"]
    r = s3.list_multipart_uploads(Bucket=bucket, MaxUploads=3, KeyMarker=r["NextKeyMarker"],
                                  UploadIdMarker=r["NextUploadIdMarker"])
    assert [(u["Key"], u["UploadId"]) for u in r["Uploads"]] == [
        ("b", second), ("c/x/y", ids["c/x/y"])]
    pages = s3.get_paginator("list_multipart_uploads").paginate(
        Bucket=bucket, PaginationConfig={"PageSize": 2})
    assert len([u for page in pages for u in page.get("Uploads", [])]) == 5
    for key, uid in list(ids.items()) + [("b", second)]:
        s3.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=uid)


def test_upload_part_copy_with_range(s3, bucket):
    src = os.urandom(6 * MiB)
    s3.put_object(Bucket=bucket, Key="src.bin", Body=src)
    up = s3.create_multipart_upload(Bucket=bucket, Key="dst.bin")
    r1 = s3.upload_part_copy(Bucket=bucket, Key="dst.bin", UploadId=up["UploadId"], PartNumber=1,
                             CopySource={"Bucket": bucket, "Key": "src.bin"},
                             CopySourceRange=f"bytes=0-{5 * MiB}")
    assert r1["CopyPartResult"]["ETag"] == f'"{md5(src[:5 * MiB + 1])}"'
    assert r1["CopyPartResult"]["LastModified"]
    r2 = s3.upload_part_copy(Bucket=bucket, Key="dst.bin", UploadId=up["UploadId"], PartNumber=2,
                             CopySource=f"{bucket}/src.bin", CopySourceRange="bytes=100-199")
    with pytest.raises(ClientError) as e:
        s3.upload_part_copy(Bucket=bucket, Key="dst.bin", UploadId=up["UploadId"], PartNumber=3,
                            CopySource=f"{bucket}/src.bin",
                            CopySourceRange=f"bytes=0-{len(src)}")
    assert error_code(e) == "InvalidArgument"
    s3.complete_multipart_upload(
        Bucket=bucket, Key="dst.bin", UploadId=up["UploadId"],
        MultipartUpload={"Parts": [
            {"PartNumber": 1, "ETag": r1["CopyPartResult"]["ETag"]},
            {"PartNumber": 2, "ETag": r2["CopyPartResult"]["ETag"]}]})
    got = s3.get_object(Bucket=bucket, Key="dst.bin")["Body"].read()
    assert got == src[:5 * MiB + 1] + src[100:200]


def test_composite_crc32_checksum(s3, bucket):
    """Parts with CRC32: the object's checksum is the COMPOSITE form, the
    CRC32 of the raw part CRCs with "-N"."""
    parts = [os.urandom(5 * MiB), os.urandom(1000)]
    up = s3.create_multipart_upload(Bucket=bucket, Key="c.bin", ChecksumAlgorithm="CRC32")
    assert up["ChecksumAlgorithm"] == "CRC32"
    listed = []
    for i, body in enumerate(parts, 1):
        r = s3.upload_part(Bucket=bucket, Key="c.bin", UploadId=up["UploadId"], PartNumber=i,
                           Body=body, ChecksumAlgorithm="CRC32")
        assert r["ChecksumCRC32"] == crc32_b64(body)
        listed.append({"PartNumber": i, "ETag": r["ETag"], "ChecksumCRC32": r["ChecksumCRC32"]})
    lp = s3.list_parts(Bucket=bucket, Key="c.bin", UploadId=up["UploadId"])
    assert [p["ChecksumCRC32"] for p in lp["Parts"]] == [crc32_b64(b) for b in parts]
    done = s3.complete_multipart_upload(Bucket=bucket, Key="c.bin", UploadId=up["UploadId"],
                                        MultipartUpload={"Parts": listed})
    raw = b"".join(zlib.crc32(b).to_bytes(4, "big") for b in parts)
    want = crc32_b64(raw) + "-2"
    assert done["ChecksumCRC32"] == want
    head = s3.head_object(Bucket=bucket, Key="c.bin", ChecksumMode="ENABLED")
    assert head["ChecksumCRC32"] == want and head["ChecksumCRC32"].endswith("-2")
    assert head["ChecksumType"] == "COMPOSITE"


def test_full_object_crc32_checksum(s3, bucket):
    """ChecksumType FULL_OBJECT: the combined CRC32 of the whole object."""
    parts = [os.urandom(5 * MiB), os.urandom(3333)]
    up = s3.create_multipart_upload(Bucket=bucket, Key="f.bin", ChecksumAlgorithm="CRC32",
                                    ChecksumType="FULL_OBJECT")
    listed = []
    for i, body in enumerate(parts, 1):
        r = s3.upload_part(Bucket=bucket, Key="f.bin", UploadId=up["UploadId"], PartNumber=i,
                           Body=body, ChecksumAlgorithm="CRC32")
        listed.append({"PartNumber": i, "ETag": r["ETag"], "ChecksumCRC32": r["ChecksumCRC32"]})
    done = s3.complete_multipart_upload(Bucket=bucket, Key="f.bin", UploadId=up["UploadId"],
                                        MultipartUpload={"Parts": listed})
    assert done["ChecksumCRC32"] == crc32_b64(b"".join(parts))
    assert done["ChecksumType"] == "FULL_OBJECT"
    obj = s3.get_object(Bucket=bucket, Key="f.bin", ChecksumMode="ENABLED")
    assert obj["Body"].read() == b"".join(parts)  # botocore validates the CRC32 too


def test_checksum_algorithm_mismatch(s3, bucket):
    up = s3.create_multipart_upload(Bucket=bucket, Key="x.bin", ChecksumAlgorithm="CRC32")
    with pytest.raises(ClientError) as e:
        s3.upload_part(Bucket=bucket, Key="x.bin", UploadId=up["UploadId"], PartNumber=1,
                       Body=b"abc", ChecksumAlgorithm="SHA256")
    assert error_code(e) == "InvalidRequest"
    with pytest.raises(ClientError) as e:
        s3.create_multipart_upload(Bucket=bucket, Key="y.bin", ChecksumAlgorithm="SHA256",
                                   ChecksumType="FULL_OBJECT")
    assert error_code(e) == "InvalidRequest"


def test_delete_bucket_with_upload_in_progress(s3, bucket):
    up = s3.create_multipart_upload(Bucket=bucket, Key="pending")
    with pytest.raises(ClientError) as e:
        s3.delete_bucket(Bucket=bucket)
    assert error_code(e) == "BucketNotEmpty"
    s3.abort_multipart_upload(Bucket=bucket, Key="pending", UploadId=up["UploadId"])
    s3.delete_bucket(Bucket=bucket)


def test_key_too_long(s3, bucket):
    with pytest.raises(ClientError) as e:
        s3.create_multipart_upload(Bucket=bucket, Key="k" * 1025)
    assert error_code(e) == "KeyTooLongError"


# ---- the aws CLI ---------------------------------------------------------------

def aws(daemon, tmp_path, *args):
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
    return subprocess.run([str(AWS), *args], capture_output=True, text=True, env=env,
                          timeout=120)


def test_aws_cli_cp_multipart_both_ways(daemon, s3, bucket, tmp_path):
    assert AWS.exists(), f"aws CLI not found at {AWS}"
    src, data = big_file(tmp_path)
    r = aws(daemon, tmp_path, "s3", "cp", str(src), f"s3://{bucket}/cli/big.bin")
    assert r.returncode == 0, r.stderr
    head = s3.head_object(Bucket=bucket, Key="cli/big.bin")
    assert head["ContentLength"] == len(data) and "-" in head["ETag"]
    dst = tmp_path / "down.bin"
    r = aws(daemon, tmp_path, "s3", "cp", f"s3://{bucket}/cli/big.bin", str(dst))
    assert r.returncode == 0, r.stderr
    assert dst.read_bytes() == data
