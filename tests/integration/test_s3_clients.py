"""Third-party S3 clients as subprocesses against the daemon: the aws CLI
(v1, from the venv), rclone and s3cmd (Debian packages, installed by
scripts/install-deps.sh --test).  Each test also checks that the client
never hit a 501 (an S3 feature sagelite lacks) unless noted."""
import os
import time
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import clean_env
from s3_helpers import bucket, new_bucket_name, s3  # noqa: F401

AWS = Path(sys.executable).with_name("aws")
RCLONE = shutil.which("rclone")
S3CMD = shutil.which("s3cmd")

FILES = {
    "a.txt": b"hello from a\n",
    "sub/b.bin": bytes(range(256)) * 800,  # 204,800 bytes
    "sub/deeper/c.txt": b"c" * 1000,
    "sub/ünï code.txt": "grüße\n".encode(),
    "space name+plus.txt": b"spaces and plus\n",
}


def _write_tree(root, files=FILES):
    # Files dated a minute back: `aws s3 sync` re-uploads a file whose
    # mtime is newer than the object's LastModified, which a file written
    # in the same second as its upload can be (S3 and sagelite alike).
    old = time.time() - 60
    for rel, data in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
        os.utime(p, (old, old))
    return root


def _read_tree(root):
    out = {}
    for dirpath, _, names in os.walk(root):
        for n in names:
            p = Path(dirpath) / n
            out[p.relative_to(root).as_posix()] = p.read_bytes()
    return out


def _remote(s3, bucket, prefix=""):
    """{key without prefix: bytes} of every object under prefix."""
    out = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for o in page.get("Contents", []):
            out[o["Key"][len(prefix):]] = s3.get_object(Bucket=bucket, Key=o["Key"])["Body"].read()
    return out


class LogWindow:
    """The daemon's request log lines written since construction."""

    def __init__(self, daemon):
        # The daemon logs a request after answering it: let the lines of
        # requests already answered land before the window opens.
        self.daemon = daemon
        self.start = len(daemon.stderr_text())
        for _ in range(20):
            time.sleep(0.05)
            now = len(daemon.stderr_text())
            if now == self.start:
                break
            self.start = now

    def lines(self):
        return self.daemon.stderr_text()[self.start:].splitlines()

    def not_implemented(self):
        return [ln for ln in self.lines() if re.search(r" 501 \d+ \d+us ", ln)]

    def count(self, op):
        return sum(1 for ln in self.lines() if ln.endswith(" s3." + op))


def _upload(s3, bucket, prefix="", files=FILES):
    """Put files with boto3 (setup for tests of other commands: each aws
    CLI run costs about a second)."""
    for rel, data in files.items():
        s3.put_object(Bucket=bucket, Key=prefix + rel, Body=data)


@pytest.fixture
def local_tree(tmp_path):
    return _write_tree(tmp_path / "src")


# -- aws CLI -----------------------------------------------------------------------

@pytest.fixture
def aws(daemon, tmp_path):
    assert AWS.exists(), f"aws CLI not found at {AWS} (scripts/install-deps.sh --test)"
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

    def run(*args, check=True):
        r = subprocess.run([str(AWS), *map(str, args)], capture_output=True, text=True,
                           env=env, timeout=60)
        if check:
            assert r.returncode == 0, f"aws {' '.join(map(str, args))}\n{r.stdout}\n{r.stderr}"
        return r
    return run


def test_aws_mb_rb(daemon, aws, s3):
    """`aws s3 mb` creates a bucket; `aws s3 rb` removes it."""
    log = LogWindow(daemon)
    name = new_bucket_name("cli")
    assert aws("s3", "mb", f"s3://{name}").stdout.strip() == f"make_bucket: {name}"
    s3.head_bucket(Bucket=name)
    assert aws("s3", "rb", f"s3://{name}").stdout.strip() == f"remove_bucket: {name}"
    assert name not in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert log.not_implemented() == []


def test_aws_ls_buckets(aws, bucket):
    """`aws s3 ls` lists the buckets with their creation time."""
    assert re.search(rf"^\d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d {bucket}$",
                     aws("s3", "ls").stdout, re.M)


def test_aws_cp_file_both_ways(daemon, aws, s3, bucket, local_tree, tmp_path):
    """`aws s3 cp` a file up (key with a space) and back down, byte-exact."""
    src = local_tree / "sub" / "b.bin"
    aws("s3", "cp", src, f"s3://{bucket}/one file.bin")
    assert s3.get_object(Bucket=bucket, Key="one file.bin")["Body"].read() == src.read_bytes()
    dst = tmp_path / "down.bin"
    aws("s3", "cp", f"s3://{bucket}/one file.bin", dst)
    assert dst.read_bytes() == src.read_bytes()


def test_aws_cp_recursive_both_ways(daemon, aws, s3, bucket, local_tree, tmp_path):
    """`aws s3 cp --recursive` a tree up and back: same keys, same bytes."""
    log = LogWindow(daemon)
    aws("s3", "cp", "--recursive", local_tree, f"s3://{bucket}/up/")
    assert _remote(s3, bucket, "up/") == FILES
    back = tmp_path / "back"
    aws("s3", "cp", "--recursive", f"s3://{bucket}/up/", back)
    assert _read_tree(back) == FILES
    assert log.not_implemented() == []


def test_aws_sync_twice_copies_nothing_second_time(daemon, aws, s3, bucket, local_tree):
    """`aws s3 sync` uploads the tree; a second sync uploads nothing."""
    first = aws("s3", "sync", local_tree, f"s3://{bucket}/sync/")
    assert first.stdout.count("upload:") == len(FILES)
    assert _remote(s3, bucket, "sync/") == FILES
    log = LogWindow(daemon)
    second = aws("s3", "sync", local_tree, f"s3://{bucket}/sync/")
    assert "upload:" not in second.stdout
    assert log.count("PutObject") == 0
    assert log.not_implemented() == []


def test_aws_sync_uploads_only_changed(daemon, aws, s3, bucket, local_tree):
    """With the tree already uploaded (by boto3, after the files were
    written), sync uploads just the one file whose size changed."""
    _upload(s3, bucket, "sync/")
    (local_tree / "a.txt").write_bytes(b"changed, and longer than before\n")
    log = LogWindow(daemon)
    r = aws("s3", "sync", local_tree, f"s3://{bucket}/sync/")
    assert r.stdout.count("upload:") == 1
    assert log.count("PutObject") == 1
    got = s3.get_object(Bucket=bucket, Key="sync/a.txt")["Body"].read()
    assert got == b"changed, and longer than before\n"


def test_aws_sync_down_and_delete(daemon, aws, s3, bucket, local_tree, tmp_path):
    """`aws s3 sync s3://… dir` downloads; with --delete a removed key is
    removed locally too."""
    _upload(s3, bucket, "sync/")
    down = tmp_path / "down"
    aws("s3", "sync", f"s3://{bucket}/sync/", down)
    assert _read_tree(down) == FILES
    s3.delete_object(Bucket=bucket, Key="sync/a.txt")
    aws("s3", "sync", "--delete", f"s3://{bucket}/sync/", down)
    assert _read_tree(down) == {k: v for k, v in FILES.items() if k != "a.txt"}


def test_aws_ls_bucket_and_prefix(aws, s3, bucket):
    """`aws s3 ls s3://b/` shows PRE entries and top-level objects;
    `aws s3 ls s3://b/prefix/` the objects under it with sizes."""
    _upload(s3, bucket)
    top = aws("s3", "ls", f"s3://{bucket}/").stdout
    assert re.search(r"^\s+PRE sub/$", top, re.M)
    assert re.search(r"^\S+ \S+\s+13 a\.txt$", top, re.M)
    assert re.search(r"^\S+ \S+\s+16 space name\+plus\.txt$", top, re.M)
    sub = aws("s3", "ls", f"s3://{bucket}/sub/").stdout
    assert re.search(r"^\s+PRE deeper/$", sub, re.M)
    assert re.search(r"^\S+ \S+\s+204800 b\.bin$", sub, re.M)
    assert re.search(r"^\S+ \S+\s+8 ünï code\.txt$", sub, re.M)
    assert "a.txt" not in sub


def test_aws_ls_recursive(aws, s3, bucket):
    _upload(s3, bucket)
    out = aws("s3", "ls", "--recursive", f"s3://{bucket}/").stdout
    listed = [line.split(None, 3)[3] for line in out.splitlines()]
    assert sorted(listed) == sorted(FILES)


def test_aws_rm_recursive(daemon, aws, s3, bucket):
    """`aws s3 rm --recursive s3://b/prefix/` removes exactly that prefix."""
    _upload(s3, bucket)
    log = LogWindow(daemon)
    r = aws("s3", "rm", "--recursive", f"s3://{bucket}/sub/")
    assert r.stdout.count("delete:") == 3
    left = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"])
    assert left == ["a.txt", "space name+plus.txt"]
    assert log.not_implemented() == []


def test_aws_s3api_head_object(aws, s3, bucket):
    """`aws s3api head-object` prints the object's length, ETag, metadata."""
    import json
    put = s3.put_object(Bucket=bucket, Key="h k", Body=b"12345", Metadata={"m": "v"},
                        ContentType="text/plain")
    out = json.loads(aws("s3api", "head-object", "--bucket", bucket, "--key", "h k").stdout)
    assert out["ContentLength"] == 5
    assert out["ETag"] == put["ETag"]
    assert out["Metadata"] == {"m": "v"}
    assert out["ContentType"] == "text/plain"


# -- rclone ---------------------------------------------------------------------------

@pytest.fixture
def rclone(daemon, tmp_path):
    if RCLONE is None:
        pytest.fail("rclone not installed (scripts/install-deps.sh --test)")
    env = clean_env({
        "RCLONE_CONFIG": str(tmp_path / "rclone.conf"),
        "RCLONE_CONFIG_SL_TYPE": "s3",
        "RCLONE_CONFIG_SL_PROVIDER": "Other",
        "RCLONE_CONFIG_SL_ENDPOINT": daemon.url,
        "RCLONE_CONFIG_SL_ACCESS_KEY_ID": "test",
        "RCLONE_CONFIG_SL_SECRET_ACCESS_KEY": "test",
        "RCLONE_CONFIG_SL_FORCE_PATH_STYLE": "true",
        "RCLONE_CONFIG_SL_REGION": "us-east-1",
    })

    def run(*args, check=True):
        r = subprocess.run([RCLONE, *map(str, args)], capture_output=True, text=True, env=env,
                           timeout=60)
        if check:
            assert r.returncode == 0, f"rclone {' '.join(map(str, args))}\n{r.stdout}\n{r.stderr}"
        return r
    return run


def test_rclone_copy_up_and_ls(daemon, rclone, s3, bucket, local_tree):
    """`rclone copy` uploads the tree byte-exact; `rclone ls` lists it."""
    log = LogWindow(daemon)
    rclone("copy", local_tree, f"sl:{bucket}/rc")
    assert _remote(s3, bucket, "rc/") == FILES
    out = rclone("ls", f"sl:{bucket}/rc").stdout
    listed = {line.split(None, 1)[1]: int(line.split(None, 1)[0]) for line in out.splitlines()}
    assert listed == {k: len(v) for k, v in FILES.items()}
    assert log.not_implemented() == []


def test_rclone_check_matches(daemon, rclone, bucket, local_tree):
    """`rclone check` after a copy: exit 0 (sizes and MD5s agree)."""
    rclone("copy", local_tree, f"sl:{bucket}/rc")
    r = rclone("check", local_tree, f"sl:{bucket}/rc")
    assert "0 differences found" in r.stderr


def test_rclone_check_detects_difference(rclone, s3, bucket, local_tree):
    """`rclone check` fails when a remote object differs (same size,
    other bytes: caught by the ETag/MD5)."""
    rclone("copy", local_tree, f"sl:{bucket}/rc")
    s3.put_object(Bucket=bucket, Key="rc/a.txt", Body=b"HELLO FROM A\n")
    r = rclone("check", local_tree, f"sl:{bucket}/rc", check=False)
    assert r.returncode != 0
    assert "1 differences found" in r.stderr


def test_rclone_sync_deletes_and_updates(daemon, rclone, s3, bucket, local_tree):
    """`rclone sync` makes the remote match: removed files deleted,
    changed files replaced."""
    rclone("sync", local_tree, f"sl:{bucket}/rs")
    (local_tree / "sub" / "deeper" / "c.txt").unlink()
    (local_tree / "a.txt").write_bytes(b"new a contents\n")
    log = LogWindow(daemon)
    rclone("sync", local_tree, f"sl:{bucket}/rs")
    want = {k: v for k, v in FILES.items() if k != "sub/deeper/c.txt"}
    want["a.txt"] = b"new a contents\n"
    assert _remote(s3, bucket, "rs/") == want
    assert log.count("PutObject") == 1
    assert log.not_implemented() == []
    rclone("check", local_tree, f"sl:{bucket}/rs")


def test_rclone_copy_down(rclone, bucket, local_tree, tmp_path):
    """`rclone copy` from the remote reproduces the tree byte for byte."""
    rclone("copy", local_tree, f"sl:{bucket}/rc")
    back = tmp_path / "back"
    rclone("copy", f"sl:{bucket}/rc", back)
    assert _read_tree(back) == FILES


def test_rclone_keeps_mtime_metadata(rclone, s3, bucket, local_tree):
    """rclone stores the file's mtime as x-amz-meta-mtime and reads it back
    (rclone lsl shows the local mtime, not the upload time)."""
    f = local_tree / "a.txt"
    os.utime(f, (1600000000, 1600000000))
    rclone("copy", local_tree, f"sl:{bucket}/rc")
    meta = s3.head_object(Bucket=bucket, Key="rc/a.txt")["Metadata"]
    assert meta["mtime"].startswith("1600000000")
    out = rclone("lsl", f"sl:{bucket}/rc/a.txt").stdout
    assert "2020-09-13" in out


# -- s3cmd ------------------------------------------------------------------------------

@pytest.fixture(params=[False, True], ids=["sigv4", "sigv2"])
def s3cmd(request, daemon, tmp_path):
    if S3CMD is None:
        pytest.fail("s3cmd not installed (scripts/install-deps.sh --test)")
    host = f"127.0.0.1:{daemon.port}"
    cfg = tmp_path / "s3cfg"
    cfg.write_text(
        "[default]\n"
        "access_key = test\n"
        "secret_key = test\n"
        f"host_base = {host}\n"
        f"host_bucket = {host}\n"
        "use_https = False\n"
        f"signature_v2 = {request.param}\n"
        "bucket_location = us-east-1\n")
    env = clean_env({"HOME": str(tmp_path)})

    def run(*args, check=True):
        r = subprocess.run([S3CMD, "-c", str(cfg), *map(str, args)], capture_output=True,
                           text=True, env=env, timeout=60)
        if check:
            assert r.returncode == 0, f"s3cmd {' '.join(map(str, args))}\n{r.stdout}\n{r.stderr}"
        return r
    return run


def test_s3cmd_put_get_ls_del(daemon, s3cmd, s3, bucket, local_tree, tmp_path):
    """s3cmd put (odd key), ls, get (byte-exact), del."""
    log = LogWindow(daemon)
    src = local_tree / "sub" / "b.bin"
    key = "x/ü b+c.bin"
    s3cmd("put", src, f"s3://{bucket}/{key}")
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == src.read_bytes()
    out = s3cmd("ls", f"s3://{bucket}/x/").stdout
    assert re.search(rf"\s204800\s+s3://{bucket}/x/ü b\+c\.bin$", out, re.M), out
    got = tmp_path / "got.bin"
    s3cmd("get", f"s3://{bucket}/{key}", got)
    assert got.read_bytes() == src.read_bytes()
    s3cmd("del", f"s3://{bucket}/{key}")
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0
    assert log.not_implemented() == []


def test_s3cmd_put_recursive_and_ls(s3cmd, s3, bucket, local_tree):
    s3cmd("put", "--recursive", f"{local_tree}/", f"s3://{bucket}/tree/")
    assert _remote(s3, bucket, "tree/") == FILES
    out = s3cmd("ls", "--recursive", f"s3://{bucket}/tree/").stdout
    assert len(out.splitlines()) == len(FILES)


def test_s3cmd_mb_ls_rb(daemon, s3cmd, s3):
    name = new_bucket_name("s3cmd")
    s3cmd("mb", f"s3://{name}")
    assert f"s3://{name}" in s3cmd("ls").stdout
    s3.head_bucket(Bucket=name)
    s3cmd("rb", f"s3://{name}")
    assert f"s3://{name}" not in s3cmd("ls").stdout


def test_s3cmd_get_missing_fails(s3cmd, bucket, tmp_path):
    r = s3cmd("get", f"s3://{bucket}/missing", tmp_path / "x", check=False)
    assert r.returncode != 0
    assert not (tmp_path / "x").exists() or (tmp_path / "x").stat().st_size == 0


def test_s3cmd_info(daemon, s3cmd, bucket):
    """`s3cmd info` on a bucket: exit 0 with the location and the ACL.  It
    also asks for ?requestPayment, ?lifecycle, ?policy and ?cors, which
    sagelite answers 501 NotImplemented; s3cmd shows 'none' for those."""
    log = LogWindow(daemon)
    out = s3cmd("info", f"s3://{bucket}").stdout
    assert re.search(r"Location:\s+us-east-1", out)
    assert re.search(r"ACL:\s+sagelite: FULL_CONTROL", out)
    assert log.count("GetBucketLocation") == 1
    assert log.count("GetBucketAcl") == 1
