"""The capacity scheduler (queueing, GPU fallback, strict GPU) and the
per-account training quota, end to end on the host executor."""
import json
import os
import time

import pytest
from botocore.exceptions import ClientError

from test_training import (script_job, wait_job, wait_secondary, log_messages, uniq, DONE)

SLEEP = "import time, os\nprint('NUM', os.environ.get('SM_NUM_CPUS'), os.environ.get('SM_NUM_GPUS'), repr(os.environ.get('CUDA_VISIBLE_DEVICES')), flush=True)\ntime.sleep(float(os.environ.get('SM_HP_SECS', '0')))\n"


def setup(d):
    sm, s3, logs = d.client("sagemaker"), d.client("s3"), d.client("logs")
    b = uniq("cap")
    s3.create_bucket(Bucket=b)
    s3.put_object(Bucket=b, Key="data/train/x.csv", Body=b"1\n")
    return sm, s3, logs, b


def last_msg(d):
    return d["SecondaryStatusTransitions"][-1].get("StatusMessage")


@pytest.mark.timeout(120)
def test_wait_fifo_stop_and_env(start_daemon):
    ncpu = os.cpu_count()
    d = start_daemon("--executor", "host", "--python", "/usr/bin/python3", "--oversubscribe", "1")
    sm, s3, logs, b = setup(d)
    big = "ml.m5.large"  # 2 vCPUs each
    n_fit = max(1, ncpu // 2)
    running = [script_job(sm, s3, b, uniq("run"), SLEEP, hyperparameters={"secs": 4},
                          ResourceConfig={"InstanceType": big, "InstanceCount": 1, "VolumeSizeInGB": 5})
               for _ in range(n_fit)]
    for j in running:
        wait_secondary(sm, j, "Training")
    w1 = script_job(sm, s3, b, uniq("wait1"), SLEEP,
                    ResourceConfig={"InstanceType": big, "InstanceCount": 1, "VolumeSizeInGB": 5})
    w2 = script_job(sm, s3, b, uniq("wait2"), SLEEP,
                    ResourceConfig={"InstanceType": big, "InstanceCount": 1, "VolumeSizeInGB": 5})
    w3 = script_job(sm, s3, b, uniq("wait3"), SLEEP,
                    ResourceConfig={"InstanceType": big, "InstanceCount": 1, "VolumeSizeInGB": 5})
    time.sleep(0.5)
    d1 = sm.describe_training_job(TrainingJobName=w1)
    d2 = sm.describe_training_job(TrainingJobName=w2)
    print(d1["SecondaryStatus"], last_msg(d1))
    print(d2["SecondaryStatus"], last_msg(d2))
    assert d1["TrainingJobStatus"] == "InProgress" and d1["SecondaryStatus"] == "Starting"
    assert last_msg(d1).startswith("Waiting for 2 vCPUs (0 free of ")
    assert last_msg(d2) == "Waiting for capacity: 1 training job(s) queued ahead"
    # Stop the middle one while it waits.
    sm.stop_training_job(TrainingJobName=w2)
    s = wait_job(sm, w2, timeout=10)
    assert s["TrainingJobStatus"] == "Stopped"
    d3 = sm.describe_training_job(TrainingJobName=w3)
    time.sleep(0.3)
    d3 = sm.describe_training_job(TrainingJobName=w3)
    print(last_msg(d3))
    assert last_msg(d3) == "Waiting for capacity: 1 training job(s) queued ahead"
    for j in running + [w1, w3]:
        r = wait_job(sm, j, timeout=60)
        assert r["TrainingJobStatus"] == "Completed", r.get("FailureReason")
    text = "\n".join(log_messages(logs, w1))
    print(text)
    assert f"NUM 2 0 None" in text or "NUM 2 0" in text


@pytest.mark.timeout(120)
def test_gpu_fallback_and_strict(start_daemon):
    d = start_daemon("--executor", "host", "--python", "/usr/bin/python3")
    sm, s3, logs, b = setup(d)
    j = script_job(sm, s3, b, uniq("gpu"), SLEEP,
                   ResourceConfig={"InstanceType": "ml.p3.2xlarge", "InstanceCount": 1, "VolumeSizeInGB": 5})
    r = wait_job(sm, j, timeout=60)
    assert r["TrainingJobStatus"] == "Completed", r.get("FailureReason")
    msgs = log_messages(logs, j)
    print(msgs)
    assert msgs[0] == "GPU instance type ml.p3.2xlarge requested but this host has no GPU: running on CPU"
    d2 = start_daemon("--executor", "host", "--python", "/usr/bin/python3", "--strict-gpu")
    sm2, s32, logs2, b2 = setup(d2)
    j2 = script_job(sm2, s32, b2, uniq("gpu"), SLEEP,
                    ResourceConfig={"InstanceType": "ml.p3.2xlarge", "InstanceCount": 1, "VolumeSizeInGB": 5})
    r2 = wait_job(sm2, j2, timeout=30)
    print(r2.get("FailureReason"))
    assert r2["TrainingJobStatus"] == "Failed"
    assert "no GPU" in r2["FailureReason"]


@pytest.mark.timeout(120)
def test_quota(start_daemon):
    d = start_daemon("--executor", "host", "--python", "/usr/bin/python3", "--max-training-instances", "3")
    sm, s3, logs, b = setup(d)
    a = script_job(sm, s3, b, uniq("q"), SLEEP, hyperparameters={"secs": 5},
                   ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 2, "VolumeSizeInGB": 5})
    with pytest.raises(ClientError) as e:
        script_job(sm, s3, b, uniq("q"), SLEEP,
                   ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 2, "VolumeSizeInGB": 5})
    err = e.value.response["Error"]
    print(err, e.value.response["ResponseMetadata"]["HTTPStatusCode"])
    assert err["Code"] == "ResourceLimitExceeded"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert err["Message"] == ("The account-level service limit 'ml.m5.large for training job usage' is 3 Instances, "
                              "with current utilization of 2 Instances and a request delta of 2 Instances. "
                              "Please use AWS Service Quotas to request an increase for this quota. If AWS "
                              "Service Quotas is not available, contact AWS support to request an increase "
                              "for this quota.")
    # Another type has its own quota; one more m5.large fits.
    script_job(sm, s3, b, uniq("q"), SLEEP,
               ResourceConfig={"InstanceType": "ml.m5.xlarge", "InstanceCount": 3, "VolumeSizeInGB": 5})
    script_job(sm, s3, b, uniq("q"), SLEEP,
               ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 5})
    wait_job(sm, a, timeout=60)
    # The name is free for a retry: the refused job was never created.
