"""Crash safety of S3 writes: 50 concurrent PutObjects of 1-20 MB random
objects while the daemon is SIGKILLed part-way; after a restart on the same
data dir every acknowledged object reads back byte-identical, no listed
object is partial, and the blob store holds exactly the listed objects
(the start-up sweep removed orphans and temp files)."""
import hashlib
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

MB = 1024 * 1024
N_OBJECTS = 50
WORKERS = 10
KILL_AFTER = N_OBJECTS // 3  # acknowledged PUTs before SIGKILL


def _client(url):
    return boto3.session.Session().client(
        "s3", endpoint_url=url, aws_access_key_id="test", aws_secret_access_key="test",
        region_name="us-east-1",
        config=Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=60,
                      max_pool_connections=WORKERS + 2))


def _blob_files(data_dir):
    blobs = data_dir / "blobs"
    return [p for sub in blobs.iterdir() if sub.is_dir() for p in sub.iterdir()]


@pytest.mark.timeout(120)
def test_kill9_during_concurrent_puts(start_daemon):
    d = start_daemon()
    c = _client(d.url)
    c.create_bucket(Bucket="crash")
    sizes = [int.from_bytes(os.urandom(4), "big") % (19 * MB) + MB for _ in range(N_OBJECTS)]

    lock = threading.Lock()
    acked = {}       # key -> md5 hex, for PUTs answered 200
    expected = {}    # key -> (size, md5 hex), for every PUT that was started
    failed = {}      # key -> exception text
    enough = threading.Event()
    killed = threading.Event()

    def put(i):
        if killed.is_set():
            return  # never started: cannot be in the store
        key = f"obj-{i:02d}"
        data = os.urandom(sizes[i])
        digest = hashlib.md5(data).hexdigest()
        with lock:
            expected[key] = (len(data), digest)
        try:
            r = c.put_object(Bucket="crash", Key=key, Body=data)
        except (BotoCoreError, ClientError) as e:
            with lock:
                failed[key] = repr(e)
            return
        assert r["ETag"] == f'"{digest}"'
        with lock:
            acked[key] = digest
            if len(acked) >= KILL_AFTER:
                enough.set()

    with ThreadPoolExecutor(WORKERS) as pool:
        futures = [pool.submit(put, i) for i in range(N_OBJECTS)]
        assert enough.wait(90), f"only {len(acked)} PUTs acknowledged; failures: {failed}"
        d.kill9()
        killed.set()
        for f in futures:
            f.result()  # re-raises an assertion from a worker

    in_flight = set(expected) - set(acked)
    assert len(acked) >= KILL_AFTER
    assert in_flight, "every started PUT finished before the kill: nothing was tested"
    assert len(acked) < N_OBJECTS

    d.start()  # same data dir, new port
    c2 = _client(d.url)
    listed = {}
    for page in c2.get_paginator("list_objects_v2").paginate(Bucket="crash"):
        for o in page.get("Contents", []):
            listed[o["Key"]] = o

    # Every acknowledged object survived, byte-identical.
    for key, digest in acked.items():
        assert key in listed, f"acknowledged {key} lost"
        body = c2.get_object(Bucket="crash", Key=key)["Body"].read()
        assert (len(body), hashlib.md5(body).hexdigest()) == expected[key], key

    # No listed object is partial: anything beyond the acknowledged ones is
    # a PUT that completed but whose reply was lost, with all its bytes.
    for key, o in listed.items():
        assert key in expected, f"unexpected key {key}"
        size, digest = expected[key]
        assert o["Size"] == size, key
        assert o["ETag"] == f'"{digest}"', key
        if key not in acked:
            body = c2.get_object(Bucket="crash", Key=key)["Body"].read()
            assert hashlib.md5(body).hexdigest() == digest, key

    # Exactly one blob per listed object; no temp files left.
    assert len(_blob_files(d.data_dir)) == len(listed)
    assert os.listdir(d.data_dir / "tmp") == []
    d.check_alive()


@pytest.mark.timeout(60)
def test_restart_sweeps_orphans(start_daemon):
    """Files a crash could leave (a temp upload, a committed blob no row
    names) are removed at start-up; referenced blobs are kept."""
    d = start_daemon()
    c = _client(d.url)
    c.create_bucket(Bucket="sweep")
    c.put_object(Bucket="sweep", Key="keep", Body=b"kept")
    d.kill9()
    (d.data_dir / "tmp" / "put-leftover").write_bytes(b"partial upload")
    orphan_dir = d.data_dir / "blobs" / "ab"
    orphan_dir.mkdir(exist_ok=True)
    (orphan_dir / ("ab" + "0" * 30)).write_bytes(b"orphan blob")
    d.start()
    assert os.listdir(d.data_dir / "tmp") == []
    assert not (orphan_dir / ("ab" + "0" * 30)).exists()
    assert len(_blob_files(d.data_dir)) == 1
    assert _client(d.url).get_object(Bucket="sweep", Key="keep")["Body"].read() == b"kept"
