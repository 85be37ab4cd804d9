"""Training jobs the way SDK v3's ModelTrainer creates them, without the
sandbox (--isolation none): no sagemaker_program; the command is
AlgorithmSpecification.ContainerEntrypoint + ContainerArguments, and the
driver scripts it runs (the sm_drivers channel) name the container's
/opt/ml paths literally.  sagelite rewrites the /opt/ml prefix, in the job's
own copies of the sm_drivers text files and in the command, to the job's
directory (jobs/training.c, rebase_drivers): the drivers read their config
and channels and write the model there, names that merely begin with
/opt/ml (/opt/mlflow) and binary files stay as they are, and the channel's
S3 objects are untouched.  The full ModelTrainer flow is tests/e2e
(v3-moon, both isolations)."""
import json

import pytest

from test_training import ROLE, SKLEARN_IMAGE, log_messages, model_members, uniq, wait_job

RUN_SH = """#!/bin/bash
set -e
cat /opt/ml/input/config/resourceconfig.json > /dev/null
python3 /opt/ml/input/data/sm_drivers/driver.py
"""

DRIVER_PY = r'''
import json, os
HPS = "/opt/ml/input/config/hyperparameters.json"
TRAIN = "/opt/ml/input/data/train"
MODEL = "/opt/ml/model"
OTHER = "/opt/mlflow/x"
hps = json.load(open(HPS))
with open(os.path.join(MODEL, "out.txt"), "w") as f:
    f.write(hps["greeting"] + " " + ",".join(sorted(os.listdir(TRAIN))))
print("DRIVER " + json.dumps({"model": MODEL, "other": OTHER}), flush=True)
'''

BLOB = b"\x00\x01/opt/ml/model\x00"


@pytest.fixture(scope="module")
def plain(module_daemon_factory):
    """A daemon that runs jobs without bubblewrap."""
    return module_daemon_factory("--executor", "host", "--isolation", "none")


def test_container_entrypoint_runs_without_the_sandbox(plain):
    sm, s3, logs = plain.client("sagemaker"), plain.client("s3"), plain.client("logs")
    bucket, job = uniq("v3drv"), uniq("v3drv")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="data/train/a.csv", Body=b"1,2\n")
    drivers = {"run.sh": RUN_SH.encode(), "driver.py": DRIVER_PY.encode(), "blob.bin": BLOB}
    for name, body in drivers.items():
        s3.put_object(Bucket=bucket, Key=f"drivers/{name}", Body=body)
    sm.create_training_job(
        TrainingJobName=job, RoleArn=ROLE, HyperParameters={"greeting": "hello"},
        AlgorithmSpecification={
            "TrainingImage": SKLEARN_IMAGE, "TrainingInputMode": "File",
            "ContainerEntrypoint": ["/bin/bash"],
            "ContainerArguments": ["-c", "chmod +x /opt/ml/input/data/sm_drivers/run.sh "
                                         "&& /opt/ml/input/data/sm_drivers/run.sh"]},
        InputDataConfig=[
            {"ChannelName": ch, "DataSource": {"S3DataSource": {
                "S3DataType": "S3Prefix", "S3Uri": f"s3://{bucket}/{prefix}",
                "S3DataDistributionType": "FullyReplicated"}}}
            for ch, prefix in (("train", "data/train/"), ("sm_drivers", "drivers/"))],
        OutputDataConfig={"S3OutputPath": f"s3://{bucket}/output"},
        ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 5},
        StoppingCondition={"MaxRuntimeInSeconds": 600})
    d = wait_job(sm, job)
    assert d["TrainingJobStatus"] == "Completed", d.get("FailureReason")
    assert model_members(s3, d)["out.txt"] == b"hello a.csv"
    (line,) = [m for m in log_messages(logs, job) if m.startswith("DRIVER ")]
    seen = json.loads(line[len("DRIVER "):])
    assert seen["model"].startswith(str(plain.data_dir)) and seen["model"].endswith("/algo-1/model")
    assert seen["other"] == "/opt/mlflow/x"
    copies = plain.data_dir / "jobs" / "000000000000" / job / "algo-1" / "input" / "data" / "sm_drivers"
    assert (copies / "blob.bin").read_bytes() == BLOB  # binary: left as it is
    assert f'MODEL = "{copies.parents[2]}/model"' in (copies / "driver.py").read_text()
    for name, body in drivers.items():  # the job's copies were rewritten, not the objects
        assert s3.get_object(Bucket=bucket, Key=f"drivers/{name}")["Body"].read() == body
