"""More of the training contract on the host executor: the job without a
sandbox (--isolation none) sees every SM_* path in its real directory; a
two-instance job runs algo-1 and algo-2, each with its own
resourceconfig.json; CheckpointConfig is restored before and saved after;
a daemon killed mid-job leaves the job Failed with a clear reason after
restart, and no job process behind."""
import json
import os
import time

import pytest

from test_training import (log_messages, processes_matching, script_job, uniq, wait_job,
                           wait_log_line, wait_no_process)

PROBE = r"""
import json, os, sys
rc = json.load(open(os.path.join(os.environ["SM_INPUT_CONFIG_DIR"], "resourceconfig.json")))
print("PROBE " + json.dumps({
    "host": os.environ["SM_CURRENT_HOST"], "hosts": json.loads(os.environ["SM_HOSTS"]),
    "rc_host": rc["current_host"], "rc_hosts": rc["hosts"],
    "model_dir": os.environ["SM_MODEL_DIR"], "train": os.environ["SM_CHANNEL_TRAIN"],
    "files": sorted(os.listdir(os.environ["SM_CHANNEL_TRAIN"]))}), flush=True)
ck = "/opt/ml/checkpoints" if os.path.isdir("/opt/ml/checkpoints") else None
ck = os.environ.get("SAGELITE_CK", ck)
"""


@pytest.fixture(scope="module")
def plain(module_daemon_factory):
    """A daemon that runs jobs without bubblewrap."""
    return module_daemon_factory("--executor", "host", "--isolation", "none")


@pytest.fixture(scope="module")
def clients(plain):
    s3 = plain.client("s3")
    bucket = uniq("contract")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="data/train/a.csv", Body=b"1,2\n")
    return plain.client("sagemaker"), s3, plain.client("logs"), bucket


def probes(logs, job):
    return [json.loads(line[len("PROBE "):]) for line in log_messages(logs, job)
            if line.startswith("PROBE ")]


def test_isolation_none_points_every_path_into_the_job_dir(plain, clients):
    sm, s3, logs, bucket = clients
    job = script_job(sm, s3, bucket, uniq("plain"), PROBE)
    d = wait_job(sm, job)
    assert d["TrainingJobStatus"] == "Completed", d.get("FailureReason")
    (p,) = probes(logs, job)
    root = os.path.join(str(plain.data_dir), "jobs")
    assert p["model_dir"].startswith(root) and p["model_dir"].endswith("/algo-1/model")
    assert p["train"].startswith(root) and p["files"] == ["a.csv"]
    assert p["host"] == p["rc_host"] == "algo-1"


def test_two_instances_are_two_hosts(clients):
    sm, s3, logs, bucket = clients
    job = script_job(sm, s3, bucket, uniq("two"), PROBE,
                     ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 2,
                                     "VolumeSizeInGB": 5})
    d = wait_job(sm, job)
    assert d["TrainingJobStatus"] == "Completed", d.get("FailureReason")
    got = sorted(probes(logs, job), key=lambda p: p["host"])
    assert [p["host"] for p in got] == ["algo-1", "algo-2"]
    for p in got:
        assert p["hosts"] == p["rc_hosts"] == ["algo-1", "algo-2"]
        assert p["rc_host"] == p["host"]
        assert p["files"] == ["a.csv"]  # FullyReplicated


CHECKPOINT = r"""
import os
ck = os.environ.get("SM_CHECKPOINT_DIR") or os.path.join(os.environ["SAGEMAKER_BASE_DIR"], "checkpoints")
before = sorted(os.listdir(ck))
print("BEFORE", before, flush=True)
n = len(before)
open(os.path.join(ck, f"step-{n}.txt"), "w").write(f"step {n}\n")
"""


def test_checkpoints_are_restored_and_saved(clients):
    sm, s3, logs, bucket = clients
    ck = {"S3Uri": f"s3://{bucket}/checkpoints/run-1", "LocalPath": "/opt/ml/checkpoints"}
    first = script_job(sm, s3, bucket, uniq("ck"), CHECKPOINT, CheckpointConfig=ck)
    d = wait_job(sm, first)
    assert d["TrainingJobStatus"] == "Completed", d.get("FailureReason")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="checkpoints/run-1/")
            .get("Contents", [])]
    assert keys == ["checkpoints/run-1/step-0.txt"]
    second = script_job(sm, s3, bucket, uniq("ck"), CHECKPOINT, CheckpointConfig=ck)
    d = wait_job(sm, second)
    assert d["TrainingJobStatus"] == "Completed", d.get("FailureReason")
    assert "BEFORE ['step-0.txt']" in log_messages(logs, second)
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="checkpoints/run-1/")
                  ["Contents"])
    assert keys == ["checkpoints/run-1/step-0.txt", "checkpoints/run-1/step-1.txt"]


def test_daemon_killed_mid_job_leaves_it_failed(start_daemon):
    d = start_daemon("--executor", "host", "--isolation", "bwrap")
    sm, s3 = d.client("sagemaker"), d.client("s3")
    bucket = uniq("restart")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="data/train/a.csv", Body=b"1\n")
    job = script_job(sm, s3, bucket, uniq("restart"),
                     "import time\nprint('sleeping', flush=True)\ntime.sleep(600)\n")
    wait_log_line(d.client("logs"), job, "sleeping")
    # The sandbox's command line names the job directory it binds.
    needle = f"/jobs/000000000000/{job}/"
    assert processes_matching(needle), "the job's sandbox should be running"
    assert sm.describe_training_job(TrainingJobName=job)["TrainingJobStatus"] == "InProgress"
    d.restart(kill9=True)
    assert wait_no_process(needle) == []
    desc = d.client("sagemaker").describe_training_job(TrainingJobName=job)
    assert desc["TrainingJobStatus"] == "Failed"
    assert "sagelite stopped while the job was running" in desc["FailureReason"]
