"""S3 bucket operations with real clients: ListBuckets, CreateBucket,
HeadBucket, DeleteBucket, GetBucketLocation, GetBucketAcl,
GetBucketVersioning; their error codes; x-amz-expected-bucket-owner; a
second account; virtual-hosted addressing."""
import datetime

import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError

from s3_helpers import (bucket, client, empty_and_delete, error_code, new_bucket_name,  # noqa: F401
                        resolve_localhost_subdomains, s3, signed_request)
from sigv4_helpers import botocore_signed

OWNER = "000000000000"
OTHER_KEY, OTHER_SECRET, OTHER_ACCOUNT, OTHER_NAME = (
    "AKIDSECONDACCOUNT", "second-secret", "111122223333", "second-user")


def _code(exc_info):
    return exc_info.value.response["Error"]["Code"]


def _status(exc_info):
    return exc_info.value.response["ResponseMetadata"]["HTTPStatusCode"]


@pytest.fixture(scope="module")
def other_account(daemon):
    """A key of a second account, added with `sagelite keys add`."""
    d = daemon
    if OTHER_KEY not in d.keys("list").stdout:
        r = d.keys("add", OTHER_KEY, OTHER_SECRET, OTHER_ACCOUNT, OTHER_NAME)
        assert r.returncode == 0, r.stderr
    return d


@pytest.fixture
def other_s3(daemon, other_account):
    return client(daemon.url, key=OTHER_KEY, secret=OTHER_SECRET)


# -- ListBuckets --------------------------------------------------------------

def test_list_buckets_shows_created_bucket(s3, bucket):
    """A created bucket is listed with a recent CreationDate."""
    r = s3.list_buckets()
    names = [b["Name"] for b in r["Buckets"]]
    assert bucket in names
    created = next(b["CreationDate"] for b in r["Buckets"] if b["Name"] == bucket)
    now = datetime.datetime.now(datetime.timezone.utc)
    assert abs((now - created).total_seconds()) < 120


def test_list_buckets_in_name_order(s3):
    """Buckets are listed in name order."""
    names = [new_bucket_name("order") for _ in range(3)]
    try:
        for n in reversed(names):
            s3.create_bucket(Bucket=n)
        listed = [b["Name"] for b in s3.list_buckets()["Buckets"]]
        assert listed == sorted(listed)
        assert [n for n in listed if n in names] == sorted(names)
    finally:
        for n in names:
            empty_and_delete(s3, n)


def test_list_buckets_owner(s3):
    """ListBuckets names the caller's account as Owner."""
    owner = s3.list_buckets()["Owner"]
    assert owner["DisplayName"] == "sagelite"
    assert len(owner["ID"]) == 64


def test_list_buckets_omits_deleted_bucket(s3):
    """A deleted bucket disappears from ListBuckets."""
    name = new_bucket_name()
    s3.create_bucket(Bucket=name)
    s3.delete_bucket(Bucket=name)
    assert name not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def test_list_buckets_pages_by_max_buckets(s3):
    """MaxBuckets pages the listing: ContinuationToken while more remain,
    Prefix echoed and applied; the boto3 paginator walks every page."""
    prefix = new_bucket_name("pg") + "-"
    names = [f"{prefix}{i}" for i in range(5)]
    try:
        for n in names:
            s3.create_bucket(Bucket=n)
        seen, token, pages = [], None, 0
        while True:
            kw = {"Prefix": prefix, "MaxBuckets": 2}
            if token:
                kw["ContinuationToken"] = token
            r = s3.list_buckets(**kw)
            pages += 1
            assert r["Prefix"] == prefix
            assert len(r["Buckets"]) <= 2
            seen += [b["Name"] for b in r["Buckets"]]
            token = r.get("ContinuationToken")
            if not token:
                break
        assert seen == names and pages == 3
        walked = [b["Name"] for page in s3.get_paginator("list_buckets").paginate(
            Prefix=prefix, PaginationConfig={"PageSize": 2}) for b in page["Buckets"]]
        assert walked == names
        # Without MaxBuckets: every bucket, no token.
        r = s3.list_buckets(Prefix=prefix)
        assert [b["Name"] for b in r["Buckets"]] == names and "ContinuationToken" not in r
    finally:
        for n in names:
            empty_and_delete(s3, n)


def test_list_buckets_bucket_region_filter(s3):
    """BucketRegion lists only the buckets in that region."""
    prefix = new_bucket_name("rg") + "-"
    east, west = prefix + "east", prefix + "west"
    try:
        s3.create_bucket(Bucket=east)
        s3.create_bucket(Bucket=west, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        r = s3.list_buckets(Prefix=prefix, BucketRegion="eu-west-1")
        assert [(b["Name"], b["BucketRegion"]) for b in r["Buckets"]] == [(west, "eu-west-1")]
        r = s3.list_buckets(Prefix=prefix, BucketRegion="us-east-1")
        assert [b["Name"] for b in r["Buckets"]] == [east]
    finally:
        empty_and_delete(s3, east)
        empty_and_delete(s3, west)


@pytest.mark.parametrize("kw", [{"MaxBuckets": 10001}, {"ContinuationToken": "!!not-a-token!!"}])
def test_list_buckets_bad_paging_arguments(s3, kw):
    """max-buckets past 10,000 or a garbled token: 400 InvalidArgument."""
    with pytest.raises(ClientError) as e:
        s3.list_buckets(**kw)
    assert _code(e) == "InvalidArgument" and _status(e) == 400


# -- CreateBucket -------------------------------------------------------------

def test_create_bucket_returns_location(s3):
    """CreateBucket answers 200 with Location: /name."""
    name = new_bucket_name()
    try:
        r = s3.create_bucket(Bucket=name)
        assert r["ResponseMetadata"]["HTTPStatusCode"] == 200
        assert r["Location"] == "/" + name
    finally:
        empty_and_delete(s3, name)


def test_create_bucket_with_location_constraint(s3):
    """A LocationConstraint is kept: GetBucketLocation returns it."""
    name = new_bucket_name()
    try:
        s3.create_bucket(Bucket=name,
                         CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        assert s3.get_bucket_location(Bucket=name)["LocationConstraint"] == "eu-west-1"
    finally:
        empty_and_delete(s3, name)


def test_head_bucket_reports_region(s3):
    """HeadBucket carries x-amz-bucket-region of the bucket's region."""
    name = new_bucket_name()
    try:
        s3.create_bucket(Bucket=name,
                         CreateBucketConfiguration={"LocationConstraint": "ap-south-1"})
        r = s3.head_bucket(Bucket=name)
        assert r["ResponseMetadata"]["HTTPHeaders"]["x-amz-bucket-region"] == "ap-south-1"
    finally:
        empty_and_delete(s3, name)


def test_location_of_us_east_1_bucket_is_empty(s3, bucket):
    """A bucket made without configuration is in us-east-1: an empty
    LocationConstraint (boto3 gives None)."""
    assert s3.get_bucket_location(Bucket=bucket)["LocationConstraint"] is None
    r = s3.head_bucket(Bucket=bucket)
    assert r["ResponseMetadata"]["HTTPHeaders"]["x-amz-bucket-region"] == "us-east-1"


def test_create_bucket_us_east_1_constraint_invalid(s3):
    """LocationConstraint us-east-1 is refused, as S3 does."""
    name = new_bucket_name()
    with pytest.raises(ClientError) as e:
        s3.create_bucket(Bucket=name,
                         CreateBucketConfiguration={"LocationConstraint": "us-east-1"})
    assert _code(e) == "InvalidLocationConstraint"
    assert _status(e) == 400
    assert name not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def test_create_bucket_twice_already_owned(s3, bucket):
    """Creating one's own bucket again: 409 BucketAlreadyOwnedByYou."""
    with pytest.raises(ClientError) as e:
        s3.create_bucket(Bucket=bucket)
    assert _code(e) == "BucketAlreadyOwnedByYou"
    assert _status(e) == 409


def test_create_bucket_taken_by_other_account(other_s3, bucket):
    """Another account's bucket name: 409 BucketAlreadyExists."""
    with pytest.raises(ClientError) as e:
        other_s3.create_bucket(Bucket=bucket)
    assert _code(e) == "BucketAlreadyExists"
    assert _status(e) == 409


@pytest.mark.parametrize("name", [
    "ab", "a" * 64, "UpperCase", "under_score", "-leading-dash", "trailing-dash-",
    ".leading-dot", "double..dot", "192.168.10.20", "xn--punycode", "sthree-bucket",
    "bucket-s3alias", "bucket--ol-s3",
])
def test_create_bucket_invalid_name(s3, name):
    """Names breaking S3's rules: 400 InvalidBucketName, nothing created."""
    with pytest.raises(ClientError) as e:
        s3.create_bucket(Bucket=name)
    assert _code(e) == "InvalidBucketName"
    assert _status(e) == 400
    assert name not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


@pytest.mark.parametrize("name", ["abc", "a" * 63, "my.dotted.bucket-1", "0numeric9"])
def test_create_bucket_valid_edge_names(s3, name):
    """Edge-of-the-rules names are accepted (3 and 63 chars, dots, digits)."""
    name = name if len(name) != 3 else "a" + new_bucket_name()[-2:]
    try:
        s3.create_bucket(Bucket=name)
        s3.head_bucket(Bucket=name)
    finally:
        empty_and_delete(s3, name)


def test_create_bucket_malformed_configuration(daemon, s3):
    """A CreateBucketConfiguration that is not XML: 400 MalformedXML."""
    name = new_bucket_name()
    r = signed_request(daemon, "PUT", "/" + name, body=b"<CreateBucketConfiguration><Loc")
    assert r.status_code == 400
    assert error_code(r) == "MalformedXML"
    assert name not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


# -- HeadBucket ---------------------------------------------------------------

def test_head_bucket_existing(s3, bucket):
    """HeadBucket on an own bucket: 200."""
    assert s3.head_bucket(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_head_bucket_missing_is_404(s3):
    """HeadBucket on a missing bucket: 404 (boto3 code '404')."""
    with pytest.raises(ClientError) as e:
        s3.head_bucket(Bucket=new_bucket_name())
    assert _code(e) == "404"
    assert _status(e) == 404


def test_head_bucket_missing_has_no_body(daemon):
    """The 404 to HEAD has no body, and says so (Content-Length 0 or none)."""
    r = signed_request(daemon, "HEAD", "/" + new_bucket_name())
    assert r.status_code == 404
    assert r.content == b""
    assert r.headers.get("Content-Length", "0") == "0"


def test_head_bucket_other_account_is_403(other_s3, bucket):
    """HeadBucket on another account's bucket: bodiless 403."""
    with pytest.raises(ClientError) as e:
        other_s3.head_bucket(Bucket=bucket)
    assert _code(e) == "403"
    assert _status(e) == 403


# -- DeleteBucket -------------------------------------------------------------

def test_delete_empty_bucket(s3):
    """DeleteBucket on an empty bucket: 204, then HeadBucket 404."""
    name = new_bucket_name()
    s3.create_bucket(Bucket=name)
    r = s3.delete_bucket(Bucket=name)
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(ClientError) as e:
        s3.head_bucket(Bucket=name)
    assert _status(e) == 404


def test_delete_bucket_not_empty(s3, bucket):
    """DeleteBucket with an object in it: 409 BucketNotEmpty; it stays."""
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    with pytest.raises(ClientError) as e:
        s3.delete_bucket(Bucket=bucket)
    assert _code(e) == "BucketNotEmpty"
    assert _status(e) == 409
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"x"


def test_delete_bucket_after_emptying(s3):
    """Once its last object is deleted the bucket can be deleted."""
    name = new_bucket_name()
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="a/b", Body=b"x")
    s3.delete_object(Bucket=name, Key="a/b")
    assert s3.delete_bucket(Bucket=name)["ResponseMetadata"]["HTTPStatusCode"] == 204


def test_delete_missing_bucket(s3):
    """DeleteBucket on a missing bucket: 404 NoSuchBucket."""
    with pytest.raises(ClientError) as e:
        s3.delete_bucket(Bucket=new_bucket_name())
    assert _code(e) == "NoSuchBucket"
    assert _status(e) == 404


def test_recreate_deleted_bucket(s3):
    """A deleted bucket's name can be created again, empty."""
    name = new_bucket_name()
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="old", Body=b"x")
    s3.delete_object(Bucket=name, Key="old")
    s3.delete_bucket(Bucket=name)
    try:
        s3.create_bucket(Bucket=name)
        assert s3.list_objects_v2(Bucket=name)["KeyCount"] == 0
    finally:
        empty_and_delete(s3, name)


# -- GetBucketLocation / Acl / Versioning -------------------------------------------

def test_get_bucket_location_missing_bucket(s3):
    """GetBucketLocation on a missing bucket: NoSuchBucket."""
    with pytest.raises(ClientError) as e:
        s3.get_bucket_location(Bucket=new_bucket_name())
    assert _code(e) == "NoSuchBucket"


def test_get_bucket_acl_owner_full_control(s3, bucket):
    """GetBucketAcl: the owner (ListBuckets' Owner) has FULL_CONTROL."""
    owner = s3.list_buckets()["Owner"]
    acl = s3.get_bucket_acl(Bucket=bucket)
    assert acl["Owner"]["ID"] == owner["ID"]
    assert len(acl["Grants"]) == 1
    grant = acl["Grants"][0]
    assert grant["Permission"] == "FULL_CONTROL"
    assert grant["Grantee"]["Type"] == "CanonicalUser"
    assert grant["Grantee"]["ID"] == owner["ID"]


def test_get_bucket_acl_missing_bucket(s3):
    with pytest.raises(ClientError) as e:
        s3.get_bucket_acl(Bucket=new_bucket_name())
    assert _code(e) == "NoSuchBucket"


def test_get_bucket_versioning_never_enabled(s3, bucket):
    """GetBucketVersioning: an empty configuration (no Status)."""
    r = s3.get_bucket_versioning(Bucket=bucket)
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert "Status" not in r
    assert "MFADelete" not in r


def test_get_bucket_versioning_missing_bucket(s3):
    with pytest.raises(ClientError) as e:
        s3.get_bucket_versioning(Bucket=new_bucket_name())
    assert _code(e) == "NoSuchBucket"


def test_unimplemented_bucket_subresource_is_501(s3, bucket):
    """A sub-resource sagelite lacks (?cors) is 501 NotImplemented, never
    mistaken for a plain bucket operation."""
    with pytest.raises(ClientError) as e:
        s3.get_bucket_cors(Bucket=bucket)
    assert _code(e) == "NotImplemented"
    assert _status(e) == 501


# -- x-amz-expected-bucket-owner ------------------------------------------------

def test_expected_owner_matching_is_allowed(s3, bucket):
    """ExpectedBucketOwner naming the owner: the call succeeds."""
    s3.put_object(Bucket=bucket, Key="k", Body=b"v", ExpectedBucketOwner=OWNER)
    r = s3.list_objects_v2(Bucket=bucket, ExpectedBucketOwner=OWNER)
    assert [o["Key"] for o in r["Contents"]] == ["k"]
    s3.head_bucket(Bucket=bucket, ExpectedBucketOwner=OWNER)


def test_expected_owner_mismatch_list(s3, bucket):
    """ExpectedBucketOwner naming another account: 403 AccessDenied."""
    with pytest.raises(ClientError) as e:
        s3.list_objects_v2(Bucket=bucket, ExpectedBucketOwner="999999999999")
    assert _code(e) == "AccessDenied"
    assert _status(e) == 403


def test_expected_owner_mismatch_head_bucket(s3, bucket):
    with pytest.raises(ClientError) as e:
        s3.head_bucket(Bucket=bucket, ExpectedBucketOwner="999999999999")
    assert _status(e) == 403


def test_expected_owner_mismatch_put_object_writes_nothing(s3, bucket):
    """A PutObject refused for the owner check stores nothing."""
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="k", Body=b"v", ExpectedBucketOwner="999999999999")
    assert _code(e) == "AccessDenied"
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


def test_expected_owner_mismatch_get_object(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="k", ExpectedBucketOwner="999999999999")
    assert _code(e) == "AccessDenied"


def test_expected_owner_mismatch_delete_bucket(s3, bucket):
    """DeleteBucket refused for the owner check leaves the bucket."""
    with pytest.raises(ClientError) as e:
        s3.delete_bucket(Bucket=bucket, ExpectedBucketOwner="999999999999")
    assert _code(e) == "AccessDenied"
    s3.head_bucket(Bucket=bucket)


# -- a second account -----------------------------------------------------------

def test_other_account_list_buckets_is_separate(s3, other_s3, bucket):
    """The second account does not see the first one's buckets, and the
    first does not see the second's."""
    mine = new_bucket_name("other")
    other_s3.create_bucket(Bucket=mine)
    try:
        theirs = [b["Name"] for b in other_s3.list_buckets()["Buckets"]]
        assert mine in theirs
        assert bucket not in theirs
        assert mine not in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    finally:
        empty_and_delete(other_s3, mine)


def test_other_account_owner_identity(other_s3):
    """ListBuckets' Owner is the second account's display name."""
    owner = other_s3.list_buckets()["Owner"]
    assert owner["DisplayName"] == OTHER_NAME


@pytest.mark.parametrize("call", [
    "list_objects", "list_objects_v2", "get_bucket_location", "get_bucket_acl",
    "get_bucket_versioning", "list_object_versions",
])
def test_other_account_bucket_reads_denied(other_s3, bucket, call):
    """Every bucket-level read on another account's bucket: AccessDenied."""
    with pytest.raises(ClientError) as e:
        getattr(other_s3, call)(Bucket=bucket)
    assert _code(e) == "AccessDenied"
    assert _status(e) == 403


def test_other_account_get_object_denied(s3, other_s3, bucket):
    s3.put_object(Bucket=bucket, Key="secret", Body=b"mine")
    with pytest.raises(ClientError) as e:
        other_s3.get_object(Bucket=bucket, Key="secret")
    assert _code(e) == "AccessDenied"


def test_other_account_head_object_denied(s3, other_s3, bucket):
    s3.put_object(Bucket=bucket, Key="secret", Body=b"mine")
    with pytest.raises(ClientError) as e:
        other_s3.head_object(Bucket=bucket, Key="secret")
    assert _status(e) == 403


def test_other_account_put_object_denied(s3, other_s3, bucket):
    """A PutObject into another account's bucket is refused, nothing stored."""
    with pytest.raises(ClientError) as e:
        other_s3.put_object(Bucket=bucket, Key="intruder", Body=b"x")
    assert _code(e) == "AccessDenied"
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


def test_other_account_delete_object_denied(s3, other_s3, bucket):
    s3.put_object(Bucket=bucket, Key="keep", Body=b"x")
    with pytest.raises(ClientError) as e:
        other_s3.delete_object(Bucket=bucket, Key="keep")
    assert _code(e) == "AccessDenied"
    assert s3.get_object(Bucket=bucket, Key="keep")["Body"].read() == b"x"


def test_other_account_delete_objects_denied(s3, other_s3, bucket):
    s3.put_object(Bucket=bucket, Key="keep", Body=b"x")
    with pytest.raises(ClientError) as e:
        other_s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "keep"}]})
    assert _code(e) == "AccessDenied"
    s3.head_object(Bucket=bucket, Key="keep")


def test_other_account_delete_bucket_denied(s3, other_s3, bucket):
    with pytest.raises(ClientError) as e:
        other_s3.delete_bucket(Bucket=bucket)
    assert _code(e) == "AccessDenied"
    s3.head_bucket(Bucket=bucket)


def test_other_account_copy_from_denied(s3, other_s3, bucket):
    """CopyObject out of another account's bucket into an own one: denied."""
    s3.put_object(Bucket=bucket, Key="src", Body=b"mine")
    dst = new_bucket_name("other")
    other_s3.create_bucket(Bucket=dst)
    try:
        with pytest.raises(ClientError) as e:
            other_s3.copy_object(Bucket=dst, Key="stolen",
                                 CopySource={"Bucket": bucket, "Key": "src"})
        assert _code(e) == "AccessDenied"
        assert other_s3.list_objects_v2(Bucket=dst)["KeyCount"] == 0
    finally:
        empty_and_delete(other_s3, dst)


def test_other_account_copy_into_denied(s3, other_s3, bucket):
    """CopyObject from an own bucket into another account's: denied."""
    src = new_bucket_name("other")
    other_s3.create_bucket(Bucket=src)
    try:
        other_s3.put_object(Bucket=src, Key="k", Body=b"theirs")
        with pytest.raises(ClientError) as e:
            other_s3.copy_object(Bucket=bucket, Key="pushed",
                                 CopySource={"Bucket": src, "Key": "k"})
        assert _code(e) == "AccessDenied"
        assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0
    finally:
        empty_and_delete(other_s3, src)


def test_other_account_wrong_secret(daemon, other_account):
    """The second key with a wrong secret: SignatureDoesNotMatch."""
    c = client(daemon.url, key=OTHER_KEY, secret="not-" + OTHER_SECRET)
    with pytest.raises(ClientError) as e:
        c.list_buckets()
    assert _code(e) == "SignatureDoesNotMatch"


# -- virtual-hosted addressing --------------------------------------------------

@pytest.fixture
def vhost_s3(daemon, monkeypatch):
    """boto3 with addressing_style virtual and endpoint localhost:PORT:
    botocore sends Host: <bucket>.localhost:PORT."""
    resolve_localhost_subdomains(monkeypatch)
    return client(f"http://localhost:{daemon.port}", "s3",
                       s3={"addressing_style": "virtual"})


def test_virtual_host_round_trip(daemon, vhost_s3, s3):
    """Create, put, get, list, delete through bucket.localhost:PORT; the
    bucket and object are the same ones path style sees."""
    name = new_bucket_name("vh")
    before = daemon.stderr_text().count(f"PUT /{name} ")
    vhost_s3.create_bucket(Bucket=name)
    try:
        # Virtual host: the request line does not name the bucket.
        assert daemon.stderr_text().count(f"PUT /{name} ") == before
        vhost_s3.put_object(Bucket=name, Key="dir/file name.txt", Body=b"virtual")
        assert s3.get_object(Bucket=name, Key="dir/file name.txt")["Body"].read() == b"virtual"
        got = vhost_s3.get_object(Bucket=name, Key="dir/file name.txt")
        assert got["Body"].read() == b"virtual"
        keys = [o["Key"] for o in vhost_s3.list_objects_v2(Bucket=name)["Contents"]]
        assert keys == ["dir/file name.txt"]
        vhost_s3.head_bucket(Bucket=name)
        vhost_s3.delete_object(Bucket=name, Key="dir/file name.txt")
        vhost_s3.delete_bucket(Bucket=name)
        with pytest.raises(ClientError):
            s3.head_bucket(Bucket=name)
    finally:
        empty_and_delete(s3, name)


def test_virtual_host_missing_bucket(vhost_s3):
    """A missing bucket named by the Host: NoSuchBucket."""
    with pytest.raises(ClientError) as e:
        vhost_s3.list_objects_v2(Bucket=new_bucket_name())
    assert _code(e) == "NoSuchBucket"


def test_virtual_host_presigned_v2(daemon, vhost_s3, bucket, s3, monkeypatch):
    """A SigV2 presigned GET in virtual-host form (the canonical resource
    includes the bucket from the Host)."""
    s3.put_object(Bucket=bucket, Key="p", Body=b"presigned")
    c = client(f"http://localhost:{daemon.port}", signature_version="s3",
                    s3={"addressing_style": "virtual"})
    url = c.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "p"})
    assert url.startswith(f"http://{bucket}.localhost:{daemon.port}/p?")
    assert "AWSAccessKeyId=" in url
    r = requests.get(url, timeout=10)
    assert r.status_code == 200, r.text
    assert r.content == b"presigned"


def test_virtual_host_s3_domain(daemon, s3, bucket):
    """Host: <bucket>.s3.amazonaws.com (sent to 127.0.0.1) addresses the
    bucket, SigV4 signed for that host."""
    s3.put_object(Bucket=bucket, Key="obj", Body=b"aws-style host")
    host = f"{bucket}.s3.amazonaws.com"
    headers = botocore_signed("GET", f"http://{host}/obj", "s3", headers={"Host": host})
    headers["Host"] = host
    r = requests.get(daemon.url + "/obj", headers=headers, timeout=10)
    assert r.status_code == 200, r.text
    assert r.content == b"aws-style host"


def test_virtual_host_regional_s3_domain_listing(daemon, s3, bucket):
    """Host: <bucket>.s3.eu-west-1.amazonaws.com with GET /: ListObjects."""
    s3.put_object(Bucket=bucket, Key="listed", Body=b"x")
    host = f"{bucket}.s3.eu-west-1.amazonaws.com"
    headers = botocore_signed("GET", f"http://{host}/?list-type=2", "s3",
                              headers={"Host": host})
    headers["Host"] = host
    r = requests.get(daemon.url + "/?list-type=2", headers=headers, timeout=10)
    assert r.status_code == 200, r.text
    assert b"<Key>listed</Key>" in r.content
    assert f"<Name>{bucket}</Name>".encode() in r.content


def test_path_style_with_localhost_host(daemon, s3, bucket):
    """Plain Host: localhost:PORT stays path style (the path names the bucket)."""
    s3.put_object(Bucket=bucket, Key="k", Body=b"path")
    c = client(f"http://localhost:{daemon.port}", "s3", s3={"addressing_style": "path"})
    assert c.get_object(Bucket=bucket, Key="k")["Body"].read() == b"path"


def test_virtual_host_with_config_object(daemon, monkeypatch, bucket, s3):
    """boto3 Config(s3={'addressing_style': 'virtual'}) built by hand (not
    through make_client) also works for a put and a ranged get."""
    resolve_localhost_subdomains(monkeypatch)
    import boto3
    c = boto3.session.Session().client(
        "s3", endpoint_url=f"http://localhost:{daemon.port}", aws_access_key_id="test",
        aws_secret_access_key="test", region_name="us-east-1",
        config=Config(s3={"addressing_style": "virtual"}, retries={"max_attempts": 1}))
    c.put_object(Bucket=bucket, Key="r", Body=b"0123456789")
    assert c.get_object(Bucket=bucket, Key="r", Range="bytes=2-4")["Body"].read() == b"234"
