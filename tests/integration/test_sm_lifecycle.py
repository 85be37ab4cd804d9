"""SageMaker state machines on the "test" executor (jobs/test_executor.c,
jobs/lifecycle.c), through boto3, on a daemon of this module's own (held
resources stay behind):

* training job: InProgress with SecondaryStatusTransitions Starting →
  Downloading → Training → Uploading → Completed, contiguous (each EndTime
  is the next StartTime; the final entry is closed at once, EndTime ==
  StartTime, as AWS shows it), LastModifiedTime after the last StartTime;
* a held job (tag sagelite:test-executor=hold) stays InProgress/Starting
  until StopTrainingJob: Stopping → Stopped;
* an output bucket that does not exist: Failed, FailureReason, SecondaryStatus
  Failed;
* terminal states are final: Stop* of a Completed / Stopped / Failed job is
  a ValidationException and changes nothing;
* tuning jobs: the status counters always agree with the training jobs
  ListTrainingJobsForHyperParameterTuningJob shows;
* endpoint: Creating → InService → Updating → InService → Deleting → gone;
* notebook instance: Pending → InService → Stopping → Stopped → Pending →
  InService.

The executor runs on the daemon's jobs thread, so a transient status may
be over before a Describe sees it: the tests record every status they see
and check that it is a subsequence of the expected order, and rely on the
hold tag (or the recorded history) where a state must be seen."""
import time
import uuid

import pytest
from botocore.exceptions import ClientError

REGION = "us-east-1"
ACCOUNT = "000000000000"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/SageMakerRole"
IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"
HOLD = [{"Key": "sagelite:test-executor", "Value": "hold"}]
TERMINAL = ("Completed", "Failed", "Stopped")


def uniq(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def lc_daemon(module_daemon_factory):
    return module_daemon_factory()


@pytest.fixture(scope="module")
def sm(lc_daemon):
    return lc_daemon.client("sagemaker")


@pytest.fixture(scope="module")
def bucket(lc_daemon):
    name = uniq("lifecycle")
    lc_daemon.client("s3").create_bucket(Bucket=name)
    return name


def assert_error(call, code, message=None):
    with pytest.raises(ClientError) as e:
        call()
    err = e.value.response
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert err["Error"]["Code"] == code, err
    if message is not None:
        assert err["Error"]["Message"] == message
    return err


class Watch:
    """Calls describe() and records each status it sees (consecutive
    repeats once); None when describe() fails with ValidationException
    (the resource is gone)."""

    def __init__(self, describe, field):
        self.describe, self.field, self.seen, self.phases = describe, field, [], []

    def phase(self):
        """Start recording afresh (after an action); the statuses seen so
        far are kept in self.phases."""
        self.phases.append(self.seen)
        self.seen = []

    def everything(self):
        """Every phase's statuses in order, the current one included."""
        return [s for p in self.phases + [self.seen] for s in p]

    def look(self):
        try:
            d = self.describe()
        except ClientError as e:
            assert e.response["Error"]["Code"] == "ValidationException", e.response
            d, status = None, None
        else:
            status = d[self.field]
        if not self.seen or self.seen[-1] != status:
            self.seen.append(status)
        return d

    def until(self, status, timeout=10):
        deadline = time.monotonic() + timeout
        while True:
            d = self.look()
            if self.seen[-1] == status:
                return d
            assert time.monotonic() < deadline, f"never {status}; seen {self.seen}"
            time.sleep(0.02)


def assert_in_order(seen, expected):
    """seen is expected with some entries skipped (never reordered, never
    anything else)."""
    it = iter(expected)
    assert all(s in it for s in seen), f"seen {seen}, expected a subsequence of {expected}"


# ---- training jobs -----------------------------------------------------------------------

def training_request(name, bucket, output_bucket=None, **extra):
    return dict(
        TrainingJobName=name, RoleArn=ROLE,
        AlgorithmSpecification={"TrainingImage": IMAGE, "TrainingInputMode": "File"},
        InputDataConfig=[{"ChannelName": "train", "DataSource": {"S3DataSource": {
            "S3DataType": "S3Prefix", "S3Uri": f"s3://{bucket}/train"}}}],
        OutputDataConfig={"S3OutputPath": f"s3://{output_bucket or bucket}/out"},
        ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 5},
        StoppingCondition={"MaxRuntimeInSeconds": 3600},
        HyperParameters={"eta": "0.1"}, **extra)


def strip(d):
    return {k: v for k, v in d.items() if k != "ResponseMetadata"}


def describe(sm, name):
    return strip(sm.describe_training_job(TrainingJobName=name))


def training_watch(sm, name):
    return Watch(lambda: sm.describe_training_job(TrainingJobName=name), "TrainingJobStatus")


def check_history(d, statuses):
    """SecondaryStatusTransitions are exactly statuses, each with a
    StartTime and a StatusMessage, contiguous, the last one closed at once
    and the open one (if the job still runs) without an EndTime."""
    hist = d["SecondaryStatusTransitions"]
    assert [t["Status"] for t in hist] == statuses
    for t in hist:
        assert set(t) <= {"Status", "StartTime", "EndTime", "StatusMessage"}
        assert isinstance(t["StatusMessage"], str) and t["StatusMessage"]
    for a, b in zip(hist, hist[1:]):
        assert a["EndTime"] == b["StartTime"], (a, b)
        assert a["StartTime"] <= a["EndTime"]
    last = hist[-1]
    if d["TrainingJobStatus"] in TERMINAL:
        assert last["EndTime"] == last["StartTime"], last
    else:
        assert "EndTime" not in last, last
    assert d["SecondaryStatus"] == last["Status"]
    assert hist[0]["StartTime"] == d["CreationTime"]
    assert d["LastModifiedTime"] >= last["StartTime"]
    return hist


def test_training_job_visits_every_secondary_status(sm, bucket):
    name = uniq("lc-train")
    arn = sm.create_training_job(**training_request(name, bucket))["TrainingJobArn"]
    w = training_watch(sm, name)
    first = w.look()
    assert first["TrainingJobStatus"] in ("InProgress", "Completed")
    d = w.until("Completed")
    assert_in_order(w.seen, ["InProgress", "Completed"])
    assert d["TrainingJobArn"] == arn
    assert d["SecondaryStatus"] == "Completed"
    hist = check_history(d, ["Starting", "Downloading", "Training", "Uploading", "Completed"])
    # AWS's messages (a real DescribeTrainingJob; Downloading's varies).
    assert [t["StatusMessage"] for t in hist if t["Status"] != "Downloading"] == [
        "Preparing the instances for training",
        "Training image download completed. Training in progress.",
        "Uploading generated training model", "Training job completed"]
    assert d["TrainingStartTime"] <= d["TrainingEndTime"] <= d["LastModifiedTime"]
    # AWS: TrainingEndTime is the Completed entry's StartTime; the test
    # executor takes its clock just before the move.
    assert hist[-2]["StartTime"] <= d["TrainingEndTime"] <= hist[-1]["StartTime"]
    assert d["TrainingTimeInSeconds"] >= 0 and d["BillableTimeInSeconds"] >= 0
    assert d["ModelArtifacts"]["S3ModelArtifacts"] == \
        f"s3://{bucket}/out/{name}/output/model.tar.gz"
    assert "FailureReason" not in d
    # The summary agrees.
    (s,) = [s for s in sm.list_training_jobs(NameContains=name)["TrainingJobSummaries"]]
    assert (s["TrainingJobStatus"], s["SecondaryStatus"]) == ("Completed", "Completed")
    assert s["LastModifiedTime"] == d["LastModifiedTime"]


def test_held_training_job_stops(sm, bucket):
    name = uniq("lc-hold")
    sm.create_training_job(**training_request(name, bucket), Tags=HOLD)
    time.sleep(0.2)
    d = sm.describe_training_job(TrainingJobName=name)
    assert (d["TrainingJobStatus"], d["SecondaryStatus"]) == ("InProgress", "Starting")
    check_history(d, ["Starting"])
    assert "TrainingEndTime" not in d and "ModelArtifacts" not in d

    sm.stop_training_job(TrainingJobName=name)
    w = training_watch(sm, name)
    first = w.look()
    assert first["TrainingJobStatus"] in ("Stopping", "Stopped")
    d = w.until("Stopped")
    assert_in_order(w.seen, ["Stopping", "Stopped"])
    assert d["SecondaryStatus"] == "Stopped"
    check_history(d, ["Starting", "Stopping", "Stopped"])
    assert d["LastModifiedTime"] >= d["CreationTime"]
    assert "FailureReason" not in d

    assert_error(lambda: sm.stop_training_job(TrainingJobName=name), "ValidationException",
                 "The request was rejected because the training job is in status Stopped.")
    assert describe(sm, name) == strip(d)


def test_training_job_without_output_bucket_fails(sm, bucket):
    name = uniq("lc-fail")
    sm.create_training_job(**training_request(name, bucket, output_bucket=uniq("missing")))
    d = training_watch(sm, name).until("Failed")
    assert d["SecondaryStatus"] == "Failed"
    reason = d["FailureReason"]
    assert reason.startswith("ClientError: ") and "bucket" in reason
    hist = check_history(d, ["Starting", "Downloading", "Training", "Uploading", "Failed"])
    assert hist[-1]["StatusMessage"] == reason
    assert "ModelArtifacts" not in d
    assert d["TrainingEndTime"] <= d["LastModifiedTime"]
    assert_error(lambda: sm.stop_training_job(TrainingJobName=name), "ValidationException",
                 "The request was rejected because the training job is in status Failed.")
    (s,) = sm.list_training_jobs(NameContains=name, StatusEquals="Failed")["TrainingJobSummaries"]
    assert s["TrainingJobName"] == name


def test_terminal_states_are_final(sm, bucket):
    """A Completed job cannot be stopped, and nothing moves it later."""
    name = uniq("lc-final")
    sm.create_training_job(**training_request(name, bucket))
    d = training_watch(sm, name).until("Completed")
    for _ in range(2):
        assert_error(lambda: sm.stop_training_job(TrainingJobName=name), "ValidationException",
                     "The request was rejected because the training job is in status "
                     "Completed.")
    time.sleep(0.2)
    assert describe(sm, name) == strip(d)


# ---- tuning jobs -------------------------------------------------------------------------

def tuning_request(name, bucket, max_jobs=3, output_bucket=None, **extra):
    return dict(
        HyperParameterTuningJobName=name,
        HyperParameterTuningJobConfig={
            "Strategy": "Bayesian",
            "ResourceLimits": {"MaxNumberOfTrainingJobs": max_jobs, "MaxParallelTrainingJobs": 1},
            "HyperParameterTuningJobObjective": {"Type": "Maximize",
                                                 "MetricName": "validation:auc"},
            "ParameterRanges": {"ContinuousParameterRanges": [
                {"Name": "eta", "MinValue": "0", "MaxValue": "1"}]}},
        TrainingJobDefinition={
            "StaticHyperParameters": {"num_round": "10"}, "RoleArn": ROLE,
            "AlgorithmSpecification": {"TrainingImage": IMAGE, "TrainingInputMode": "File"},
            "InputDataConfig": [{"ChannelName": "train", "DataSource": {"S3DataSource": {
                "S3DataType": "S3Prefix", "S3Uri": f"s3://{bucket}/train"}}}],
            "OutputDataConfig": {"S3OutputPath": f"s3://{output_bucket or bucket}/hpo"},
            "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1,
                               "VolumeSizeInGB": 5},
            "StoppingCondition": {"MaxRuntimeInSeconds": 3600}},
        **extra)


def tuning_state(sm, name):
    d = sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=name)
    kids = sm.list_training_jobs_for_hyper_parameter_tuning_job(
        HyperParameterTuningJobName=name, MaxResults=100)["TrainingJobSummaries"]
    return d, kids


def check_counters(d, kids):
    """The counters say what the children say."""
    by_status = {}
    for k in kids:
        by_status[k["TrainingJobStatus"]] = by_status.get(k["TrainingJobStatus"], 0) + 1
    c = d["TrainingJobStatusCounters"]
    assert c["Completed"] == by_status.get("Completed", 0)
    assert c["InProgress"] == by_status.get("InProgress", 0) + by_status.get("Stopping", 0)
    assert c["Stopped"] == by_status.get("Stopped", 0)
    assert c["NonRetryableError"] + c["RetryableError"] == by_status.get("Failed", 0)
    assert sum(c.values()) == len(kids)
    o = d["ObjectiveStatusCounters"]
    assert sum(o.values()) == len(kids)
    with_metric = [k for k in kids if "FinalHyperParameterTuningJobObjectiveMetric" in k]
    assert o["Succeeded"] == len(with_metric)
    assert [k["ObjectiveStatus"] for k in kids].count("Succeeded") == o["Succeeded"]
    assert [k["ObjectiveStatus"] for k in kids].count("Failed") == o["Failed"]
    assert [k["ObjectiveStatus"] for k in kids].count("Pending") == o["Pending"]
    if with_metric:
        best = max(with_metric,
                   key=lambda k: k["FinalHyperParameterTuningJobObjectiveMetric"]["Value"])
        assert d["BestTrainingJob"]["TrainingJobName"] == best["TrainingJobName"]
    else:
        assert "BestTrainingJob" not in d


def finish_tuning(sm, name, status="Completed"):
    w = Watch(lambda: sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=name),
              "HyperParameterTuningJobStatus")
    w.until(status)
    return tuning_state(sm, name)


def test_tuning_counters_match_children(sm, bucket):
    name = uniq("lc-hpo")[:32]
    sm.create_hyper_parameter_tuning_job(**tuning_request(name, bucket, max_jobs=2))
    d, kids = finish_tuning(sm, name)
    assert len(kids) == 2
    assert all(k["TrainingJobStatus"] == "Completed" for k in kids)
    check_counters(d, kids)
    assert d["TrainingJobStatusCounters"]["Completed"] == 2
    assert d["ObjectiveStatusCounters"] == {"Succeeded": 2, "Pending": 0, "Failed": 0}
    assert d["HyperParameterTuningEndTime"] >= d["CreationTime"]
    # Each child is a training job that went the whole way.
    for k in kids:
        t = sm.describe_training_job(TrainingJobName=k["TrainingJobName"])
        check_history(t, ["Starting", "Downloading", "Training", "Uploading", "Completed"])
    assert_error(lambda: sm.stop_hyper_parameter_tuning_job(HyperParameterTuningJobName=name),
                 "ValidationException",
                 "The request was rejected because the hyperparameter tuning job is in status "
                 "Completed.")


def test_tuning_counters_with_failed_children(sm, bucket):
    name = uniq("lc-hpofail")[:32]
    sm.create_hyper_parameter_tuning_job(
        **tuning_request(name, bucket, output_bucket=uniq("missing")))
    d, kids = finish_tuning(sm, name)
    assert len(kids) == 3
    assert all(k["TrainingJobStatus"] == "Failed" and k["FailureReason"] for k in kids)
    check_counters(d, kids)
    assert d["TrainingJobStatusCounters"]["NonRetryableError"] == 3
    assert d["ObjectiveStatusCounters"] == {"Succeeded": 0, "Pending": 0, "Failed": 3}


def test_held_tuning_job_stops_with_zero_counters(sm, bucket):
    name = uniq("lc-hpohold")[:32]
    sm.create_hyper_parameter_tuning_job(**tuning_request(name, bucket), Tags=HOLD)
    time.sleep(0.2)
    d, kids = tuning_state(sm, name)
    assert d["HyperParameterTuningJobStatus"] == "InProgress" and kids == []
    check_counters(d, kids)
    sm.stop_hyper_parameter_tuning_job(HyperParameterTuningJobName=name)
    d, kids = finish_tuning(sm, name, "Stopped")
    assert kids == []
    check_counters(d, kids)
    assert "HyperParameterTuningEndTime" in d
    assert_error(lambda: sm.stop_hyper_parameter_tuning_job(HyperParameterTuningJobName=name),
                 "ValidationException",
                 "The request was rejected because the hyperparameter tuning job is in status "
                 "Stopped.")


# ---- endpoints -------------------------------------------------------------------------

def make_config(sm, image=IMAGE):
    model = uniq("lc-model")
    sm.create_model(ModelName=model, ExecutionRoleArn=ROLE,
                    PrimaryContainer={"Image": image, "ModelDataUrl": "s3://b/model.tar.gz"})
    cfg = uniq("lc-cfg")
    sm.create_endpoint_config(EndpointConfigName=cfg, ProductionVariants=[
        {"VariantName": "AllTraffic", "ModelName": model, "InitialInstanceCount": 1,
         "InstanceType": "ml.m5.large"}])
    return cfg


def test_endpoint_lifecycle(sm):
    cfg1, cfg2 = make_config(sm), make_config(sm)
    name = uniq("lc-ep")
    arn = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:endpoint/{name}"
    w = Watch(lambda: sm.describe_endpoint(EndpointName=name), "EndpointStatus")

    assert sm.create_endpoint(EndpointName=name, EndpointConfigName=cfg1)["EndpointArn"] == arn
    assert w.look()["EndpointStatus"] in ("Creating", "InService")
    first = w.until("InService")
    assert first["EndpointConfigName"] == cfg1

    sm.update_endpoint(EndpointName=name, EndpointConfigName=cfg2)
    w.phase()
    mid = w.look()
    # The update is recorded before UpdateEndpoint answers: never the old
    # InService again.
    assert mid["EndpointStatus"] in ("Updating", "InService")
    if mid["EndpointStatus"] == "Updating":
        assert mid["EndpointConfigName"] == cfg1
        assert mid["PendingDeploymentSummary"]["EndpointConfigName"] == cfg2
    else:
        assert mid["EndpointConfigName"] == cfg2
    second = w.until("InService")
    assert second["EndpointConfigName"] == cfg2
    assert second["LastModifiedTime"] > first["LastModifiedTime"]
    assert second["CreationTime"] == first["CreationTime"]
    assert "PendingDeploymentSummary" not in second

    sm.delete_endpoint(EndpointName=name)
    w.phase()
    gone = w.look()
    assert gone is None or gone["EndpointStatus"] == "Deleting"
    w.until(None)
    create, update, delete = w.phases + [w.seen]
    assert_in_order(create, ["Creating", "InService"])
    assert_in_order(update, ["Updating", "InService"])
    assert_in_order(delete, ["Deleting", None])
    assert (create[-1], update[-1], delete[-1]) == ("InService", "InService", None)
    assert_error(lambda: sm.describe_endpoint(EndpointName=name), "ValidationException",
                 f'Could not find endpoint "{arn}".')
    assert name not in [e["EndpointName"] for e in sm.list_endpoints()["Endpoints"]]


def test_endpoint_creating_and_updating_are_states(sm):
    """With the deployment held, Creating and Updating last (and refuse
    another update), so both are states of their own, not just labels."""
    cfg1, cfg2 = make_config(sm), make_config(sm)
    held = uniq("lc-ephold")
    sm.create_endpoint(EndpointName=held, EndpointConfigName=cfg1, Tags=HOLD)
    time.sleep(0.2)
    assert sm.describe_endpoint(EndpointName=held)["EndpointStatus"] == "Creating"

    name = uniq("lc-ep2")
    arn = sm.create_endpoint(EndpointName=name, EndpointConfigName=cfg1)["EndpointArn"]
    Watch(lambda: sm.describe_endpoint(EndpointName=name), "EndpointStatus").until("InService")
    sm.add_tags(ResourceArn=arn, Tags=HOLD)
    sm.update_endpoint(EndpointName=name, EndpointConfigName=cfg2)
    time.sleep(0.2)
    d = sm.describe_endpoint(EndpointName=name)
    assert d["EndpointStatus"] == "Updating" and d["EndpointConfigName"] == cfg1
    assert_error(lambda: sm.update_endpoint(EndpointName=name, EndpointConfigName=cfg1),
                 "ValidationException", f'Cannot update in-progress endpoint "{arn}".')


# ---- notebook instances ------------------------------------------------------------------

def test_notebook_lifecycle(sm):
    name = uniq("lc-nb")
    w = Watch(lambda: sm.describe_notebook_instance(NotebookInstanceName=name),
              "NotebookInstanceStatus")
    sm.create_notebook_instance(NotebookInstanceName=name, InstanceType="ml.t3.medium",
                                RoleArn=ROLE)
    assert w.look()["NotebookInstanceStatus"] in ("Pending", "InService")
    first = w.until("InService")

    sm.stop_notebook_instance(NotebookInstanceName=name)
    w.phase()
    assert w.look()["NotebookInstanceStatus"] in ("Stopping", "Stopped")
    stopped = w.until("Stopped")
    assert stopped["LastModifiedTime"] > first["LastModifiedTime"]

    sm.start_notebook_instance(NotebookInstanceName=name)
    w.phase()
    assert w.look()["NotebookInstanceStatus"] in ("Pending", "InService")
    again = w.until("InService")
    assert again["LastModifiedTime"] > stopped["LastModifiedTime"]
    assert again["CreationTime"] == first["CreationTime"]

    create, stop, start = w.phases + [w.seen]
    assert_in_order(create, ["Pending", "InService"])
    assert_in_order(stop, ["Stopping", "Stopped"])
    assert_in_order(start, ["Pending", "InService"])
    assert (create[-1], stop[-1], start[-1]) == ("InService", "Stopped", "InService")

    sm.stop_notebook_instance(NotebookInstanceName=name)
    w.phase()
    w.until("Stopped")
    sm.delete_notebook_instance(NotebookInstanceName=name)
    w.phase()
    w.until(None)
    assert_in_order(w.everything(), ["Pending", "InService", "Stopping", "Stopped", "Pending",
                                     "InService", "Stopping", "Stopped", "Deleting", None])
