"""S3 listings with real clients: ListObjects (v1), ListObjectsV2 and
ListObjectVersions — prefix, delimiter and CommonPrefixes, truncation and
pagination over 2,500 keys (UTF-8 byte order), markers and continuation
tokens, StartAfter, encoding-type=url, FetchOwner."""
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from s3_helpers import (NS, client, empty_and_delete, error_code, new_bucket_name,  # noqa: F401
                        put_many, s3, signed_request)

TREE = [
    "a.txt", "dir1/x", "dir1/y", "dir1/sub/z", "dir2/", "dir2/w", "z.txt",
    "photos/2024/jan/1.jpg", "photos/2024/feb/2.jpg", "photos/2025/mar/3.jpg",
    "dotted.name.ext",
]

# Keys whose UTF-8 byte order differs from naive expectations: uppercase
# before lowercase, U+FFFD (EF BF BD) before U+1F600 (F0 9F 98 80), which
# UTF-16 order would reverse; '~' (0x7E) before any non-ASCII.
UNICODE_KEYS = ["A", "Z", "a", "z", "~tilde", "é", "Ω", "日本", "\ufffd", "😀", "k/é", "k/😀"]
BIG_COUNT = 2500


def _code(exc_info):
    return exc_info.value.response["Error"]["Code"]


def _keys(resp):
    return [o["Key"] for o in resp.get("Contents", [])]


def _prefixes(resp):
    return [p["Prefix"] for p in resp.get("CommonPrefixes", [])]


def _utf8_sorted(keys):
    return sorted(keys, key=lambda k: k.encode("utf-8"))


def _fill(s3c, bucket, keys, body=b"x"):
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda k: s3c.put_object(Bucket=bucket, Key=k, Body=body), keys))


@pytest.fixture(scope="module")
def tree(daemon):
    """A bucket holding TREE."""
    c = client(daemon.url)
    name = new_bucket_name("tree")
    c.create_bucket(Bucket=name)
    _fill(c, name, TREE)
    yield name
    empty_and_delete(c, name)


@pytest.fixture(scope="module")
def big(daemon):
    """A bucket of 2,500 keys (some non-ASCII); yields (name, keys)."""
    c = client(daemon.url)
    name = new_bucket_name("big")
    c.create_bucket(Bucket=name)
    keys = [f"k/{i:05d}" for i in range(BIG_COUNT - len(UNICODE_KEYS))] + UNICODE_KEYS
    assert len(keys) == BIG_COUNT
    put_many(daemon, name, keys)
    yield name, keys
    empty_and_delete(c, name)


@pytest.fixture
def bucket(s3):
    name = new_bucket_name()
    s3.create_bucket(Bucket=name)
    yield name
    empty_and_delete(s3, name)


# -- v1 ----------------------------------------------------------------------------

def test_v1_lists_all_in_order(s3, tree):
    r = s3.list_objects(Bucket=tree)
    assert _keys(r) == _utf8_sorted(TREE)
    assert r["IsTruncated"] is False
    assert "NextMarker" not in r


def test_v1_prefix(s3, tree):
    r = s3.list_objects(Bucket=tree, Prefix="dir1/")
    assert _keys(r) == ["dir1/sub/z", "dir1/x", "dir1/y"]
    assert r["Prefix"] == "dir1/"


def test_v1_delimiter_common_prefixes(s3, tree):
    """Delimiter '/': top-level keys in Contents, 'directories' in
    CommonPrefixes, each once."""
    r = s3.list_objects(Bucket=tree, Delimiter="/")
    assert _keys(r) == ["a.txt", "dotted.name.ext", "z.txt"]
    assert _prefixes(r) == ["dir1/", "dir2/", "photos/"]
    assert r["Delimiter"] == "/"


def test_v1_prefix_and_delimiter(s3, tree):
    r = s3.list_objects(Bucket=tree, Prefix="photos/", Delimiter="/")
    assert _keys(r) == []
    assert _prefixes(r) == ["photos/2024/", "photos/2025/"]


def test_v1_key_equal_to_prefix_is_content(s3, tree):
    """A key equal to the prefix ('dir2/') is listed as content."""
    r = s3.list_objects(Bucket=tree, Prefix="dir2/", Delimiter="/")
    assert _keys(r) == ["dir2/", "dir2/w"]
    assert _prefixes(r) == []


def test_v1_non_slash_delimiter(s3, tree):
    """Any delimiter works: '.' groups at the first dot after the prefix."""
    r = s3.list_objects(Bucket=tree, Delimiter=".")
    assert _prefixes(r) == ["a.", "dotted.", "photos/2024/feb/2.",
                            "photos/2024/jan/1.", "photos/2025/mar/3.", "z."]
    assert _keys(r) == ["dir1/sub/z", "dir1/x", "dir1/y", "dir2/", "dir2/w"]


def test_v1_multichar_delimiter(s3, tree):
    r = s3.list_objects(Bucket=tree, Delimiter="/2024/")
    assert _prefixes(r) == ["photos/2024/"]
    assert "photos/2025/mar/3.jpg" in _keys(r)


def test_v1_max_keys_truncation_no_delimiter(s3, tree):
    """MaxKeys=1 without a delimiter: IsTruncated, no NextMarker (clients
    use the last key)."""
    r = s3.list_objects(Bucket=tree, MaxKeys=1)
    assert _keys(r) == ["a.txt"]
    assert r["IsTruncated"] is True
    assert r["MaxKeys"] == 1
    assert "NextMarker" not in r


def test_v1_max_keys_truncation_with_delimiter_next_marker(s3, tree):
    """With a delimiter a truncated v1 listing carries NextMarker, which
    may be a common prefix."""
    r = s3.list_objects(Bucket=tree, Delimiter="/", MaxKeys=2)
    assert _keys(r) == ["a.txt"]
    assert _prefixes(r) == ["dir1/"]
    assert r["IsTruncated"] is True
    assert r["NextMarker"] == "dir1/"


def test_v1_marker(s3, tree):
    """Marker: only keys after it (exclusive)."""
    r = s3.list_objects(Bucket=tree, Marker="dir2/")
    assert _keys(r) == ["dir2/w", "dotted.name.ext", "photos/2024/feb/2.jpg",
                        "photos/2024/jan/1.jpg", "photos/2025/mar/3.jpg", "z.txt"]
    assert r["Marker"] == "dir2/"


def test_v1_pages_with_next_marker_and_delimiter(s3, tree):
    """Following NextMarker page by page (MaxKeys=1, delimiter '/') yields
    each key and common prefix exactly once, none skipped."""
    seen, marker = [], ""
    for _ in range(20):
        r = s3.list_objects(Bucket=tree, Delimiter="/", MaxKeys=1, Marker=marker)
        seen += _keys(r) + _prefixes(r)
        if not r["IsTruncated"]:
            break
        marker = r["NextMarker"]
    assert seen == ["a.txt", "dir1/", "dir2/", "dotted.name.ext", "photos/", "z.txt"]


def test_v1_owner_always_present(s3, tree):
    owner = s3.list_buckets()["Owner"]["ID"]
    r = s3.list_objects(Bucket=tree)
    assert all(o["Owner"]["ID"] == owner for o in r["Contents"])


def test_v1_entry_fields(s3, bucket):
    """Each entry: Key, LastModified, quoted-MD5 ETag, Size, StorageClass."""
    put = s3.put_object(Bucket=bucket, Key="f", Body=b"hello")
    o = s3.list_objects(Bucket=bucket)["Contents"][0]
    assert o["ETag"] == put["ETag"] == '"5d41402abc4b2a76b9719d911017c592"'
    assert o["Size"] == 5
    assert o["StorageClass"] == "STANDARD"
    # The listing has milliseconds, HTTP dates whole seconds.
    head = s3.head_object(Bucket=bucket, Key="f")["LastModified"]
    assert 0 <= (o["LastModified"] - head).total_seconds() < 1


def test_list_missing_bucket(s3):
    with pytest.raises(ClientError) as e:
        s3.list_objects_v2(Bucket=new_bucket_name())
    assert _code(e) == "NoSuchBucket"


def test_list_empty_bucket(s3, bucket):
    r = s3.list_objects_v2(Bucket=bucket)
    assert r["KeyCount"] == 0
    assert "Contents" not in r
    assert r["IsTruncated"] is False


# -- v2 ------------------------------------------------------------------------------

def test_v2_lists_all_with_key_count(s3, tree):
    r = s3.list_objects_v2(Bucket=tree)
    assert _keys(r) == _utf8_sorted(TREE)
    assert r["KeyCount"] == len(TREE)
    assert r["IsTruncated"] is False
    assert "NextContinuationToken" not in r


def test_v2_delimiter_key_count_includes_prefixes(s3, tree):
    """KeyCount counts keys and common prefixes."""
    r = s3.list_objects_v2(Bucket=tree, Delimiter="/")
    assert _keys(r) == ["a.txt", "dotted.name.ext", "z.txt"]
    assert _prefixes(r) == ["dir1/", "dir2/", "photos/"]
    assert r["KeyCount"] == 6


def test_v2_prefix_and_delimiter_nested(s3, tree):
    r = s3.list_objects_v2(Bucket=tree, Prefix="photos/2024/", Delimiter="/")
    assert _prefixes(r) == ["photos/2024/feb/", "photos/2024/jan/"]
    assert _keys(r) == []


def test_v2_max_keys_one(s3, tree):
    """MaxKeys=1: one key, IsTruncated, a NextContinuationToken, no
    NextMarker."""
    r = s3.list_objects_v2(Bucket=tree, MaxKeys=1)
    assert _keys(r) == ["a.txt"]
    assert r["KeyCount"] == 1
    assert r["IsTruncated"] is True
    assert r["NextContinuationToken"]
    assert "NextMarker" not in r


def test_v2_continuation_token_resumes(s3, tree):
    r1 = s3.list_objects_v2(Bucket=tree, MaxKeys=2)
    r2 = s3.list_objects_v2(Bucket=tree, MaxKeys=2,
                            ContinuationToken=r1["NextContinuationToken"])
    assert _keys(r1) + _keys(r2) == _utf8_sorted(TREE)[:4]
    assert r2["ContinuationToken"] == r1["NextContinuationToken"]


def test_v2_continuation_token_over_common_prefix(s3, tree):
    """A token issued after a common prefix resumes after everything under
    that prefix."""
    r1 = s3.list_objects_v2(Bucket=tree, Delimiter="/", MaxKeys=2)
    assert _prefixes(r1) == ["dir1/"]
    r2 = s3.list_objects_v2(Bucket=tree, Delimiter="/", MaxKeys=10,
                            ContinuationToken=r1["NextContinuationToken"])
    assert _prefixes(r2) == ["dir2/", "photos/"]
    assert _keys(r2) == ["dotted.name.ext", "z.txt"]


def test_v2_empty_continuation_token_accepted(daemon, s3, tree):
    """An empty continuation-token means 'from the start'."""
    r = s3.list_objects_v2(Bucket=tree, ContinuationToken="")
    assert _keys(r) == _utf8_sorted(TREE)
    raw = signed_request(daemon, "GET", f"/{tree}?list-type=2&continuation-token=")
    assert raw.status_code == 200, raw.text
    assert raw.content.count(b"<Contents>") == len(TREE)


def test_v2_garbage_continuation_token(s3, tree):
    """A continuation token that is not one of ours: 400 InvalidArgument."""
    with pytest.raises(ClientError) as e:
        s3.list_objects_v2(Bucket=tree, ContinuationToken="!!not-a-token!!")
    assert _code(e) == "InvalidArgument"


def test_v2_start_after(s3, tree):
    r = s3.list_objects_v2(Bucket=tree, StartAfter="photos/2024/jan/1.jpg")
    assert _keys(r) == ["photos/2025/mar/3.jpg", "z.txt"]
    assert r["StartAfter"] == "photos/2024/jan/1.jpg"


def test_v2_start_after_not_a_key(s3, tree):
    """StartAfter need not name an existing key."""
    r = s3.list_objects_v2(Bucket=tree, StartAfter="e")
    assert _keys(r)[0] == "photos/2024/feb/2.jpg"


def test_v2_token_wins_over_start_after(s3, tree):
    r1 = s3.list_objects_v2(Bucket=tree, MaxKeys=3)
    r2 = s3.list_objects_v2(Bucket=tree, StartAfter="a.txt",
                            ContinuationToken=r1["NextContinuationToken"])
    assert _keys(r2) == _utf8_sorted(TREE)[3:]


def test_v2_fetch_owner(s3, tree):
    """Owner only with FetchOwner=true."""
    plain = s3.list_objects_v2(Bucket=tree)
    assert all("Owner" not in o for o in plain["Contents"])
    owner = s3.list_buckets()["Owner"]
    r = s3.list_objects_v2(Bucket=tree, FetchOwner=True)
    assert all(o["Owner"]["ID"] == owner["ID"] for o in r["Contents"])
    assert all(o["Owner"]["DisplayName"] == owner["DisplayName"] for o in r["Contents"])


def test_v2_max_keys_over_1000_capped(s3, big):
    name, keys = big
    r = s3.list_objects_v2(Bucket=name, MaxKeys=5000)
    assert r["KeyCount"] == 1000
    assert r["IsTruncated"] is True


def test_max_keys_not_a_number(daemon, tree):
    r = signed_request(daemon, "GET", f"/{tree}?list-type=2&max-keys=lots")
    assert r.status_code == 400
    assert error_code(r) == "InvalidArgument"


def test_bad_list_type(daemon, tree):
    r = signed_request(daemon, "GET", f"/{tree}?list-type=3")
    assert r.status_code == 400
    assert error_code(r) == "InvalidArgument"


def test_bad_encoding_type(daemon, tree):
    r = signed_request(daemon, "GET", f"/{tree}?list-type=2&encoding-type=base64")
    assert r.status_code == 400
    assert error_code(r) == "InvalidArgument"


# -- encoding-type=url ---------------------------------------------------------------

ODD = ["a b", "x+y", "p%q", "amp&lt<gt>", "ü/ß", "ctl\x01char", "tab\there", "new\nline"]


@pytest.fixture(scope="module")
def odd(daemon):
    c = client(daemon.url)
    name = new_bucket_name("odd")
    c.create_bucket(Bucket=name)
    _fill(c, name, ODD)
    yield name
    # One by one: a DeleteObjects document cannot carry "\x01" (XML 1.0).
    for k in ODD:
        c.delete_object(Bucket=name, Key=k)
    c.delete_bucket(Bucket=name)


def test_encoding_url_round_trip_boto3(s3, odd):
    """boto3 asks for encoding-type=url and decodes: every odd key
    (control characters included) comes back exactly, in byte order."""
    assert _keys(s3.list_objects_v2(Bucket=odd)) == _utf8_sorted(ODD)
    assert _keys(s3.list_objects(Bucket=odd)) == _utf8_sorted(ODD)


def test_encoding_url_prefix_and_common_prefix(s3, odd):
    r = s3.list_objects_v2(Bucket=odd, Delimiter="/", Prefix="ü")
    assert _prefixes(r) == ["ü/"]
    assert _keys(r) == []
    r = s3.list_objects_v2(Bucket=odd, Prefix="ü/")
    assert _keys(r) == ["ü/ß"]


def test_v1_paging_odd_keys_markers_round_trip(s3, odd):
    """v1 pages of one with a delimiter over odd keys: the url-encoded
    NextMarker, decoded by boto3 and sent back as Marker, resumes exactly."""
    seen, marker = [], ""
    for _ in range(len(ODD) + 2):
        r = s3.list_objects(Bucket=odd, MaxKeys=1, Delimiter="/", Marker=marker)
        seen += _keys(r) + _prefixes(r)
        if not r["IsTruncated"]:
            break
        marker = r["NextMarker"]
    want = _utf8_sorted([k for k in ODD if "/" not in k] + ["ü/"])
    assert seen == want


def test_v2_paging_odd_keys(s3, odd):
    pages = s3.get_paginator("list_objects_v2").paginate(
        Bucket=odd, PaginationConfig={"PageSize": 1})
    assert [k for p in pages for k in _keys(p)] == _utf8_sorted(ODD)


def test_encoding_url_raw_xml(daemon, odd):
    """Raw: with encoding-type=url keys are percent-encoded in the XML and
    EncodingType is echoed."""
    r = signed_request(daemon, "GET", f"/{odd}?list-type=2&encoding-type=url")
    assert r.status_code == 200
    root = ET.fromstring(r.content)
    assert root.findtext(NS + "EncodingType") == "url"
    raw_keys = [c.findtext(NS + "Key") for c in root.iter(NS + "Contents")]
    assert "a%20b" in raw_keys
    assert "ctl%01char" in raw_keys
    assert quote("ü/ß", safe="/") in raw_keys or quote("ü/ß", safe="") in raw_keys
    assert all(" " not in k and "\x01" not in k for k in raw_keys)


def test_no_encoding_keys_xml_escaped(daemon, s3, bucket):
    """Without encoding-type, keys are XML-escaped text."""
    s3.put_object(Bucket=bucket, Key="amp&lt<gt>", Body=b"x")
    r = signed_request(daemon, "GET", f"/{bucket}?list-type=2")
    assert b"<Key>amp&amp;lt&lt;gt&gt;</Key>" in r.content
    root = ET.fromstring(r.content)
    assert [c.findtext(NS + "Key") for c in root.iter(NS + "Contents")] == ["amp&lt<gt>"]
    assert root.find(NS + "EncodingType") is None


# -- 2,500 keys ------------------------------------------------------------------------

def test_v1_resource_objects_all(daemon, big):
    """Bucket.objects.all() (v1 pages of 1,000 via markers) yields every key
    once, in UTF-8 byte order."""
    name, keys = big
    res = boto3.session.Session().resource(
        "s3", endpoint_url=daemon.url, aws_access_key_id="test", aws_secret_access_key="test",
        region_name="us-east-1", config=Config(retries={"max_attempts": 1}))
    listed = [o.key for o in res.Bucket(name).objects.all()]
    assert len(listed) == BIG_COUNT
    assert listed == _utf8_sorted(keys)


def test_v2_paginator_all_keys(s3, big):
    """The list_objects_v2 paginator: 3 pages, every key once, in UTF-8
    byte order."""
    name, keys = big
    pages = list(s3.get_paginator("list_objects_v2").paginate(Bucket=name))
    assert [p["KeyCount"] for p in pages] == [1000, 1000, 500]
    listed = [k for p in pages for k in _keys(p)]
    assert listed == _utf8_sorted(keys)


def test_v2_paginator_small_pages(s3, big):
    name, keys = big
    pages = list(s3.get_paginator("list_objects_v2").paginate(
        Bucket=name, PaginationConfig={"PageSize": 333}))
    assert len(pages) == 8
    assert [k for p in pages for k in _keys(p)] == _utf8_sorted(keys)


def test_v1_paginator_small_pages(s3, big):
    """The list_objects paginator (marker = last key) with 700-key pages."""
    name, keys = big
    pages = list(s3.get_paginator("list_objects").paginate(
        Bucket=name, PaginationConfig={"PageSize": 700}))
    assert len(pages) == 4
    assert [k for p in pages for k in _keys(p)] == _utf8_sorted(keys)


def test_paginator_with_delimiter(s3, big):
    """Delimiter over the big bucket: the 2,488 'k/' keys collapse into one
    common prefix, plus the top-level unicode keys."""
    name, _ = big
    pages = list(s3.get_paginator("list_objects_v2").paginate(
        Bucket=name, Delimiter="/", PaginationConfig={"PageSize": 3}))
    prefixes = [p for page in pages for p in _prefixes(page)]
    keys = [k for page in pages for k in _keys(page)]
    assert prefixes == ["k/"]
    assert keys == _utf8_sorted(k for k in UNICODE_KEYS if not k.startswith("k/"))


def test_unicode_keys_byte_order(s3, big):
    """Non-ASCII keys sort by UTF-8 bytes: U+FFFD before U+1F600."""
    name, _ = big
    listed = _keys(s3.list_objects_v2(Bucket=name, StartAfter="k/99999"))
    assert listed == ["k/é", "k/😀", "z", "~tilde", "é", "Ω", "日本", "\ufffd", "😀"]


def test_prefix_paging_big(s3, big):
    """Prefix 'k/00' with pages of 250: exactly the 1,000 keys k/00000-k/00999."""
    name, _ = big
    pages = s3.get_paginator("list_objects_v2").paginate(
        Bucket=name, Prefix="k/00", PaginationConfig={"PageSize": 250})
    listed = [k for p in pages for k in _keys(p)]
    assert listed == [f"k/{i:05d}" for i in range(1000)]


# -- ListObjectVersions -------------------------------------------------------------------

def test_versions_null_version_ids(s3, tree):
    """Every object is one 'null' version, the latest."""
    r = s3.list_object_versions(Bucket=tree)
    versions = r["Versions"]
    assert [v["Key"] for v in versions] == _utf8_sorted(TREE)
    assert all(v["VersionId"] == "null" for v in versions)
    assert all(v["IsLatest"] is True for v in versions)
    assert "DeleteMarkers" not in r
    assert r["IsTruncated"] is False


def test_versions_entry_fields(s3, bucket):
    put = s3.put_object(Bucket=bucket, Key="v", Body=b"12345")
    v = s3.list_object_versions(Bucket=bucket)["Versions"][0]
    assert v["ETag"] == put["ETag"]
    assert v["Size"] == 5
    assert v["Owner"]["ID"] == s3.list_buckets()["Owner"]["ID"]


def test_versions_key_marker_paging(s3, tree):
    """MaxKeys=3: NextKeyMarker (and NextVersionIdMarker 'null'); KeyMarker
    resumes after it; all pages together list every key once."""
    r = s3.list_object_versions(Bucket=tree, MaxKeys=3)
    assert r["IsTruncated"] is True
    assert r["NextKeyMarker"] == _utf8_sorted(TREE)[2]
    assert r["NextVersionIdMarker"] == "null"
    r2 = s3.list_object_versions(Bucket=tree, MaxKeys=3, KeyMarker=r["NextKeyMarker"])
    assert [v["Key"] for v in r2["Versions"]] == _utf8_sorted(TREE)[3:6]
    assert r2["KeyMarker"] == r["NextKeyMarker"]


def test_versions_paginator(s3, tree):
    pages = list(s3.get_paginator("list_object_versions").paginate(
        Bucket=tree, PaginationConfig={"PageSize": 4}))
    assert len(pages) == 3
    listed = [v["Key"] for p in pages for v in p.get("Versions", [])]
    assert listed == _utf8_sorted(TREE)


def test_versions_prefix_delimiter(s3, tree):
    r = s3.list_object_versions(Bucket=tree, Prefix="dir1/", Delimiter="/")
    assert [v["Key"] for v in r["Versions"]] == ["dir1/x", "dir1/y"]
    assert _prefixes(r) == ["dir1/sub/"]


def test_get_object_with_version_id_null(s3, tree):
    """The 'null' version a listing reports can be read back by version id."""
    r = s3.get_object(Bucket=tree, Key="a.txt", VersionId="null")
    assert r["Body"].read() == b"x"
