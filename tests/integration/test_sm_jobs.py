"""SageMaker transform, processing and hyperparameter tuning jobs through
boto3: create / describe / list / stop with AWS's defaults, errors and
paging, the tuning job's counters and best training job computed from its
training jobs, ListTrainingJobsForHyperParameterTuningJob, and the checks
AWS makes on a tuning job beyond the service model.

The daemon runs the "test" executor: jobs complete at once, a tuning job
gets min(MaxNumberOfTrainingJobs, 3) training jobs whose objective metric
is 0.7, 0.9, 0.6 (jobs 001, 002, 003), and a job tagged
sagelite:test-executor=hold stays InProgress until stopped."""
import time
import uuid

import pytest
from botocore.exceptions import ClientError

ACCOUNT = "000000000000"
REGION = "us-east-1"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/SageMakerRole"
HOLD = [{"Key": "sagelite:test-executor", "Value": "hold"}]
XGB_IMAGE = "811284229777.dkr.ecr.us-east-1.amazonaws.com/xgboost:latest"
CUSTOM_IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/my-algo:1"


def uniq(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def error_of(call):
    """The ClientError response of call (which must fail)."""
    with pytest.raises(ClientError) as e:
        call()
    return e.value.response


def assert_error(call, code, message=None, status=400):
    err = error_of(call)
    assert err["Error"]["Code"] == code, err
    assert err["ResponseMetadata"]["HTTPStatusCode"] == status
    if message is not None:
        assert err["Error"]["Message"] == message
    return err["Error"]["Message"]


def wait_for(describe, field, pending=("InProgress", "Stopping"), timeout=10):
    """Poll describe() until its field leaves the pending statuses."""
    deadline = time.monotonic() + timeout
    while True:
        d = describe()
        if d[field] not in pending or time.monotonic() > deadline:
            return d
        time.sleep(0.05)


@pytest.fixture(scope="module")
def sm(daemon):
    return daemon.client("sagemaker")


@pytest.fixture(scope="module")
def bucket(daemon):
    name = uniq("sm-jobs")
    daemon.client("s3").create_bucket(Bucket=name)
    return name


@pytest.fixture(scope="module")
def model(sm):
    """A model for transform jobs, created through CreateModel (models.c)."""
    name = uniq("model")
    try:
        sm.create_model(ModelName=name, ExecutionRoleArn=ROLE,
                        PrimaryContainer={"Image": XGB_IMAGE,
                                          "ModelDataUrl": "s3://b/model.tar.gz"})
    except ClientError as e:
        if e.response["Error"]["Code"] == "UnknownOperationException":
            pytest.skip("CreateModel is not in the SageMaker op table yet (models.c lands "
                        "with the models/endpoints helper); transform jobs need a model")
        raise
    return name


# ---- transform jobs --------------------------------------------------------

def transform_request(name, model, bucket, **extra):
    req = {
        "TransformJobName": name, "ModelName": model,
        "TransformInput": {"DataSource": {"S3DataSource": {
            "S3DataType": "S3Prefix", "S3Uri": f"s3://{bucket}/in/test.csv"}},
            "ContentType": "text/csv", "SplitType": "Line"},
        "TransformOutput": {"S3OutputPath": f"s3://{bucket}/{name}"},
        "TransformResources": {"InstanceCount": 1, "InstanceType": "ml.m4.xlarge"},
    }
    req.update(extra)
    return req


def test_transform_job_needs_an_existing_model(sm, bucket):
    """AWS: ValidationException 'Could not find model "<arn>".'"""
    missing = uniq("no-model")
    assert_error(lambda: sm.create_transform_job(**transform_request(uniq("tj"), missing, bucket)),
                 "ValidationException",
                 f'Could not find model "arn:aws:sagemaker:{REGION}:{ACCOUNT}:model/{missing}".')


def test_transform_job_create_describe(sm, model, bucket):
    name = uniq("tj")
    arn = sm.create_transform_job(**transform_request(name, model, bucket,
                                                      Environment={"A": "1"}))["TransformJobArn"]
    assert arn == f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:transform-job/{name}"
    d = wait_for(lambda: sm.describe_transform_job(TransformJobName=name), "TransformJobStatus")
    assert d["TransformJobStatus"] == "Completed"
    assert d["TransformJobName"] == name and d["TransformJobArn"] == arn
    assert d["ModelName"] == model
    assert d["TransformResources"] == {"InstanceCount": 1, "InstanceType": "ml.m4.xlarge"}
    assert d["TransformInput"]["ContentType"] == "text/csv"
    assert d["TransformInput"]["SplitType"] == "Line"
    assert d["TransformInput"]["CompressionType"] == "None"
    assert d["TransformOutput"] == {"S3OutputPath": f"s3://{bucket}/{name}"}
    assert d["MaxPayloadInMB"] == 6 and d["MaxConcurrentTransforms"] == 1
    assert d["Environment"] == {"A": "1"}
    assert d["DataProcessing"] == {"InputFilter": "$", "OutputFilter": "$", "JoinSource": "None"}
    assert d["TransformStartTime"] <= d["TransformEndTime"]
    assert d["CreationTime"] <= d["TransformStartTime"]
    assert "FailureReason" not in d


def test_transform_job_explicit_settings_are_kept(sm, model, bucket):
    name = uniq("tj")
    sm.create_transform_job(**transform_request(name, model, bucket, MaxPayloadInMB=20,
                                                MaxConcurrentTransforms=4,
                                                BatchStrategy="SingleRecord"))
    d = sm.describe_transform_job(TransformJobName=name)
    assert (d["MaxPayloadInMB"], d["MaxConcurrentTransforms"], d["BatchStrategy"]) == \
        (20, 4, "SingleRecord")


def test_transform_job_duplicate_and_missing(sm, model, bucket):
    name = uniq("tj")
    sm.create_transform_job(**transform_request(name, model, bucket))
    assert_error(lambda: sm.create_transform_job(**transform_request(name, model, bucket)),
                 "ResourceInUse",
                 "Job name must be unique within an AWS account and region, and a job with this "
                 f"name already exists (arn:aws:sagemaker:{REGION}:{ACCOUNT}:transform-job/{name})")
    missing = uniq("tj-missing")
    assert_error(lambda: sm.describe_transform_job(TransformJobName=missing),
                 "ResourceNotFound", f"Could not find requested job with name {missing}")
    assert_error(lambda: sm.stop_transform_job(TransformJobName=missing),
                 "ResourceNotFound", f"Could not find requested job with name {missing}")


def test_transform_job_stop_rules(sm, model, bucket):
    """Only an InProgress job stops; then Stopping → Stopped, and a second
    stop is refused with the job's status."""
    name = uniq("tj-hold")
    sm.create_transform_job(**transform_request(name, model, bucket, Tags=HOLD))
    time.sleep(0.2)
    assert sm.describe_transform_job(TransformJobName=name)["TransformJobStatus"] == "InProgress"
    sm.stop_transform_job(TransformJobName=name)
    d = wait_for(lambda: sm.describe_transform_job(TransformJobName=name), "TransformJobStatus")
    assert d["TransformJobStatus"] == "Stopped"
    assert_error(lambda: sm.stop_transform_job(TransformJobName=name), "ValidationException",
                 "The request was rejected because the transform job is in status Stopped.")
    done = uniq("tj")
    sm.create_transform_job(**transform_request(done, model, bucket))
    wait_for(lambda: sm.describe_transform_job(TransformJobName=done), "TransformJobStatus")
    assert_error(lambda: sm.stop_transform_job(TransformJobName=done), "ValidationException",
                 "The request was rejected because the transform job is in status Completed.")


def test_list_transform_jobs(sm, model, bucket):
    tag = uniq("tjlist")
    names = [f"{tag}-{i}" for i in range(3)]
    for n in names:
        sm.create_transform_job(**transform_request(n, model, bucket))
        time.sleep(0.01)
    held = f"{tag}-held"
    sm.create_transform_job(**transform_request(held, model, bucket, Tags=HOLD))
    for n in names:
        wait_for(lambda n=n: sm.describe_transform_job(TransformJobName=n), "TransformJobStatus")

    r = sm.list_transform_jobs(NameContains=tag, SortBy="Name", SortOrder="Ascending")
    got = [s["TransformJobName"] for s in r["TransformJobSummaries"]]
    assert got == sorted(names + [held])
    s = r["TransformJobSummaries"][0]
    assert set(s) >= {"TransformJobName", "TransformJobArn", "CreationTime", "LastModifiedTime",
                      "TransformJobStatus", "TransformEndTime"}

    # default: CreationTime, Descending
    got = [s["TransformJobName"] for s in
           sm.list_transform_jobs(NameContains=tag)["TransformJobSummaries"]]
    assert got == [held] + names[::-1]

    seen, token = [], None
    while True:
        kw = {"NextToken": token} if token else {}
        page = sm.list_transform_jobs(NameContains=tag, MaxResults=1, SortBy="Name", **kw)
        assert len(page["TransformJobSummaries"]) <= 1
        seen += [s["TransformJobName"] for s in page["TransformJobSummaries"]]
        token = page.get("NextToken")
        if not token:
            break
    assert seen == sorted(names + [held], reverse=True)

    r = sm.list_transform_jobs(NameContains=tag, StatusEquals="InProgress")
    assert [s["TransformJobName"] for s in r["TransformJobSummaries"]] == [held]
    sm.stop_transform_job(TransformJobName=held)


# ---- processing jobs -------------------------------------------------------

def processing_request(name, bucket, **extra):
    req = {
        "ProcessingJobName": name, "RoleArn": ROLE,
        "ProcessingResources": {"ClusterConfig": {"InstanceCount": 1,
                                                  "InstanceType": "ml.m5.xlarge",
                                                  "VolumeSizeInGB": 30}},
        "AppSpecification": {"ImageUri": CUSTOM_IMAGE,
                             "ContainerEntrypoint": ["python3", "/opt/ml/processing/code/p.py"]},
        "ProcessingInputs": [{"InputName": "code", "S3Input": {
            "S3Uri": f"s3://{bucket}/code/p.py", "LocalPath": "/opt/ml/processing/code",
            "S3DataType": "S3Prefix"}}],
        "ProcessingOutputConfig": {"Outputs": [{"OutputName": "out", "S3Output": {
            "S3Uri": f"s3://{bucket}/out", "LocalPath": "/opt/ml/processing/out",
            "S3UploadMode": "EndOfJob"}}]},
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
        "Environment": {"MODE": "fast"},
    }
    req.update(extra)
    return req


def test_processing_job_create_describe(sm, bucket):
    name = uniq("pj")
    arn = sm.create_processing_job(**processing_request(name, bucket))["ProcessingJobArn"]
    assert arn == f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:processing-job/{name}"
    d = wait_for(lambda: sm.describe_processing_job(ProcessingJobName=name), "ProcessingJobStatus")
    assert d["ProcessingJobStatus"] == "Completed"
    assert d["ProcessingJobArn"] == arn and d["RoleArn"] == ROLE
    assert d["ProcessingResources"]["ClusterConfig"]["InstanceCount"] == 1
    assert d["AppSpecification"]["ImageUri"] == CUSTOM_IMAGE
    assert d["StoppingCondition"] == {"MaxRuntimeInSeconds": 3600}
    assert d["Environment"] == {"MODE": "fast"}
    s3in = d["ProcessingInputs"][0]["S3Input"]
    assert (s3in["S3InputMode"], s3in["S3DataDistributionType"]) == ("File", "FullyReplicated")
    assert d["ProcessingOutputConfig"]["Outputs"][0]["S3Output"]["S3UploadMode"] == "EndOfJob"
    assert d["ProcessingStartTime"] <= d["ProcessingEndTime"]
    assert "Tags" not in d


def test_processing_job_errors_and_stop(sm, bucket):
    name = uniq("pj-hold")
    sm.create_processing_job(**processing_request(name, bucket, Tags=HOLD))
    assert_error(lambda: sm.create_processing_job(**processing_request(name, bucket)),
                 "ResourceInUse",
                 "Job name must be unique within an AWS account and region, and a job with this "
                 f"name already exists (arn:aws:sagemaker:{REGION}:{ACCOUNT}:processing-job/{name})")
    time.sleep(0.2)
    assert sm.describe_processing_job(ProcessingJobName=name)["ProcessingJobStatus"] == "InProgress"
    sm.stop_processing_job(ProcessingJobName=name)
    d = wait_for(lambda: sm.describe_processing_job(ProcessingJobName=name), "ProcessingJobStatus")
    assert d["ProcessingJobStatus"] == "Stopped"
    assert_error(lambda: sm.stop_processing_job(ProcessingJobName=name), "ValidationException",
                 "The request was rejected because the processing job is in status Stopped.")
    missing = uniq("pj-missing")
    assert_error(lambda: sm.describe_processing_job(ProcessingJobName=missing),
                 "ResourceNotFound", f"Could not find requested job with name {missing}")


def test_list_processing_jobs(sm, bucket):
    tag = uniq("pjlist")
    names = [f"{tag}-{i}" for i in range(3)]
    for n in names:
        sm.create_processing_job(**processing_request(n, bucket))
        time.sleep(0.01)
    r = sm.list_processing_jobs(NameContains=tag, SortBy="Name", SortOrder="Descending",
                                MaxResults=2)
    assert [s["ProcessingJobName"] for s in r["ProcessingJobSummaries"]] == names[::-1][:2]
    r2 = sm.list_processing_jobs(NameContains=tag, SortBy="Name", SortOrder="Descending",
                                 MaxResults=2, NextToken=r["NextToken"])
    assert [s["ProcessingJobName"] for s in r2["ProcessingJobSummaries"]] == [names[0]]
    assert "NextToken" not in r2
    s = r2["ProcessingJobSummaries"][0]
    assert set(s) >= {"ProcessingJobName", "ProcessingJobArn", "CreationTime",
                      "ProcessingJobStatus"}


# ---- hyperparameter tuning jobs --------------------------------------------

def tuning_request(name, bucket, objective="validation:auc", kind="Maximize", max_jobs=9,
                   image=XGB_IMAGE, static=None, ranges=None, metric_defs=None, **extra):
    alg = {"TrainingInputMode": "File", "TrainingImage": image}
    if metric_defs is not None:
        alg["MetricDefinitions"] = metric_defs
    req = {
        "HyperParameterTuningJobName": name,
        "HyperParameterTuningJobConfig": {
            "Strategy": "Bayesian",
            "ResourceLimits": {"MaxNumberOfTrainingJobs": max_jobs, "MaxParallelTrainingJobs": 3},
            "TrainingJobEarlyStoppingType": "Off",
            "HyperParameterTuningJobObjective": {"Type": kind, "MetricName": objective},
            "ParameterRanges": ranges if ranges is not None else {
                "ContinuousParameterRanges": [{"Name": "eta", "MinValue": "0", "MaxValue": "1",
                                               "ScalingType": "Auto"}],
                "IntegerParameterRanges": [{"Name": "max_depth", "MinValue": "1",
                                            "MaxValue": "10", "ScalingType": "Auto"}],
                "CategoricalParameterRanges": [{"Name": "booster",
                                                "Values": ["gbtree", "dart"]}]},
        },
        "TrainingJobDefinition": {
            "StaticHyperParameters": static if static is not None else {
                "objective": "binary:logistic", "num_round": "100", "eval_metric": "auc"},
            "RoleArn": ROLE,
            "OutputDataConfig": {"S3OutputPath": f"s3://{bucket}/hpo/output"},
            "StoppingCondition": {"MaxRuntimeInSeconds": 86400},
            "HyperParameterTuningResourceConfig": {"InstanceCount": 1,
                                                   "InstanceType": "ml.m4.xlarge",
                                                   "VolumeSizeInGB": 30},
            "AlgorithmSpecification": alg,
            "InputDataConfig": [{"ChannelName": "train", "ContentType": "csv", "DataSource": {
                "S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": f"s3://{bucket}/train.csv",
                                 "S3DataDistributionType": "FullyReplicated"}}}],
        },
    }
    req.update(extra)
    return req


def short_name(prefix="hpo"):
    """Tuning job names are at most 32 characters."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def describe_tuning(sm, name):
    return wait_for(lambda: sm.describe_hyper_parameter_tuning_job(
        HyperParameterTuningJobName=name), "HyperParameterTuningJobStatus")


def test_tuning_job_completes_with_best_training_job(sm, bucket):
    """The SDK's tuner.fit() / best_training_job(): status, counters and
    BestTrainingJob.TrainingJobName (wire-trace §3, §10)."""
    name = short_name()
    arn = sm.create_hyper_parameter_tuning_job(
        **tuning_request(name, bucket, Tags=[{"Key": "team", "Value": "ml"}])
    )["HyperParameterTuningJobArn"]
    assert arn == f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:hyper-parameter-tuning-job/{name}"
    d = describe_tuning(sm, name)
    assert d["HyperParameterTuningJobStatus"] == "Completed"
    assert d["HyperParameterTuningJobArn"] == arn
    assert d["TrainingJobStatusCounters"] == {"Completed": 3, "InProgress": 0,
                                              "RetryableError": 0, "NonRetryableError": 0,
                                              "Stopped": 0}
    assert d["ObjectiveStatusCounters"] == {"Succeeded": 3, "Pending": 0, "Failed": 0}
    assert d["HyperParameterTuningEndTime"] >= d["CreationTime"]
    assert d["ConsumedResources"]["RuntimeInSeconds"] >= 0
    assert "Tags" not in d
    assert d["TrainingJobDefinition"]["HyperParameterTuningResourceConfig"]["InstanceCount"] == 1
    assert d["TrainingJobDefinition"]["OutputDataConfig"]["KmsKeyId"] == ""
    assert d["HyperParameterTuningJobConfig"]["ParameterRanges"]["IntegerParameterRanges"][0][
        "Name"] == "max_depth"

    best = d["BestTrainingJob"]
    assert best["TrainingJobName"].startswith(f"{name}-002-")
    assert len(best["TrainingJobName"]) == len(name) + 13
    assert best["TrainingJobArn"] == \
        f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:training-job/{best['TrainingJobName']}"
    assert best["TrainingJobStatus"] == "Completed"
    assert best["ObjectiveStatus"] == "Succeeded"
    assert best["TuningJobName"] == name
    assert best["FinalHyperParameterTuningJobObjectiveMetric"] == {
        "Type": "Maximize", "MetricName": "validation:auc", "Value": pytest.approx(0.9)}
    assert best["TunedHyperParameters"] == {"eta": "0.5", "max_depth": "5", "booster": "gbtree"}
    assert best["TrainingStartTime"] <= best["TrainingEndTime"]
    assert "OverallBestTrainingJob" not in d

    # The child is a full training job: Estimator.attach() reads these.
    t = sm.describe_training_job(TrainingJobName=best["TrainingJobName"])
    assert t["TuningJobArn"] == arn
    assert t["TrainingJobStatus"] == "Completed"
    assert t["ResourceConfig"] == {"InstanceCount": 1, "InstanceType": "ml.m4.xlarge",
                                   "VolumeSizeInGB": 30}
    assert t["RoleArn"] == ROLE
    assert t["StoppingCondition"]["MaxRuntimeInSeconds"] == 86400
    assert t["AlgorithmSpecification"]["TrainingInputMode"] == "File"
    assert t["AlgorithmSpecification"]["TrainingImage"] == XGB_IMAGE
    assert t["OutputDataConfig"] == {"S3OutputPath": f"s3://{bucket}/hpo/output", "KmsKeyId": ""}
    assert t["HyperParameters"] == {"objective": "binary:logistic", "num_round": "100",
                                    "eval_metric": "auc", "eta": "0.5", "max_depth": "5",
                                    "booster": "gbtree",
                                    "_tuning_objective_metric": "validation:auc"}
    assert t["ModelArtifacts"]["S3ModelArtifacts"] == \
        f"s3://{bucket}/hpo/output/{best['TrainingJobName']}/output/model.tar.gz"
    assert [m["MetricName"] for m in t["FinalMetricDataList"]] == ["validation:auc"]
    assert sm.list_tags(ResourceArn=t["TrainingJobArn"])["Tags"] == []
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": "ml"}]


def test_tuning_job_minimize_and_job_limit(sm, bucket):
    """Minimize picks the lowest value; MaxNumberOfTrainingJobs bounds the
    children."""
    name = short_name()
    sm.create_hyper_parameter_tuning_job(**tuning_request(
        name, bucket, objective="validation:rmse", kind="Minimize"))
    best = describe_tuning(sm, name)["BestTrainingJob"]
    assert best["TrainingJobName"].startswith(f"{name}-003-")
    assert best["FinalHyperParameterTuningJobObjectiveMetric"]["Value"] == pytest.approx(0.6)

    two = short_name()
    sm.create_hyper_parameter_tuning_job(**tuning_request(two, bucket, max_jobs=2))
    d = describe_tuning(sm, two)
    assert d["TrainingJobStatusCounters"]["Completed"] == 2
    assert d["BestTrainingJob"]["TrainingJobName"].startswith(f"{two}-002-")


def test_tuning_job_without_completed_children_has_no_best(sm):
    """Children that fail (their output bucket does not exist) count as
    NonRetryableError / objective Failed, and there is no BestTrainingJob."""
    name = short_name()
    sm.create_hyper_parameter_tuning_job(**tuning_request(name, uniq("no-such-bucket")))
    d = describe_tuning(sm, name)
    assert d["HyperParameterTuningJobStatus"] == "Completed"
    assert d["TrainingJobStatusCounters"]["NonRetryableError"] == 3
    assert d["TrainingJobStatusCounters"]["Completed"] == 0
    assert d["ObjectiveStatusCounters"] == {"Succeeded": 0, "Pending": 0, "Failed": 3}
    assert "BestTrainingJob" not in d
    kids = sm.list_training_jobs_for_hyper_parameter_tuning_job(
        HyperParameterTuningJobName=name)["TrainingJobSummaries"]
    assert [k["TrainingJobStatus"] for k in kids] == ["Failed"] * 3
    assert all(k["FailureReason"] for k in kids)


def test_tuning_job_duplicate_missing_and_stop(sm, bucket):
    name = short_name()
    sm.create_hyper_parameter_tuning_job(**tuning_request(name, bucket, Tags=HOLD))
    assert_error(lambda: sm.create_hyper_parameter_tuning_job(**tuning_request(name, bucket)),
                 "ResourceInUse",
                 "Hyperparameter tuning job names must be unique within an AWS account and region,"
                 " and a tuning job with this name already exists "
                 f"(arn:aws:sagemaker:{REGION}:{ACCOUNT}:hyper-parameter-tuning-job/{name})")
    time.sleep(0.2)
    d = sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=name)
    assert d["HyperParameterTuningJobStatus"] == "InProgress"
    assert d["TrainingJobStatusCounters"] == {"Completed": 0, "InProgress": 0,
                                              "RetryableError": 0, "NonRetryableError": 0,
                                              "Stopped": 0}
    assert "BestTrainingJob" not in d and "HyperParameterTuningEndTime" not in d
    sm.stop_hyper_parameter_tuning_job(HyperParameterTuningJobName=name)
    d = describe_tuning(sm, name)
    assert d["HyperParameterTuningJobStatus"] == "Stopped"
    assert "HyperParameterTuningEndTime" in d
    assert_error(lambda: sm.stop_hyper_parameter_tuning_job(HyperParameterTuningJobName=name),
                 "ValidationException",
                 "The request was rejected because the hyperparameter tuning job is in status "
                 "Stopped.")

    missing = short_name("gone")
    msg = f"Amazon SageMaker can't find a tuning job with name {missing}"
    assert_error(lambda: sm.describe_hyper_parameter_tuning_job(
        HyperParameterTuningJobName=missing), "ResourceNotFound", msg)
    assert_error(lambda: sm.stop_hyper_parameter_tuning_job(
        HyperParameterTuningJobName=missing), "ResourceNotFound", msg)
    assert_error(lambda: sm.list_training_jobs_for_hyper_parameter_tuning_job(
        HyperParameterTuningJobName=missing), "ResourceNotFound", msg)


@pytest.fixture(scope="module")
def finished_tuning(sm, bucket):
    """A completed tuning job with three children: objective 0.7 (001),
    0.9 (002), 0.6 (003)."""
    name = short_name()
    sm.create_hyper_parameter_tuning_job(**tuning_request(name, bucket))
    describe_tuning(sm, name)
    return name


def kid_index(summary, tuning):
    """001 → 1 for <tuning>-001-xxxxxxxx."""
    return int(summary["TrainingJobName"][len(tuning) + 1:len(tuning) + 4])


def test_list_training_jobs_for_tuning_job_default_order(sm, finished_tuning):
    r = sm.list_training_jobs_for_hyper_parameter_tuning_job(
        HyperParameterTuningJobName=finished_tuning)
    kids = r["TrainingJobSummaries"]
    assert [kid_index(k, finished_tuning) for k in kids] == [1, 2, 3]  # Name, Ascending
    assert "NextToken" not in r
    k = kids[0]
    assert k["TuningJobName"] == finished_tuning
    assert k["TrainingJobStatus"] == "Completed" and k["ObjectiveStatus"] == "Succeeded"
    assert k["TunedHyperParameters"] == {"eta": "0.5", "max_depth": "5", "booster": "gbtree"}
    assert k["FinalHyperParameterTuningJobObjectiveMetric"]["Value"] == pytest.approx(0.7)
    assert set(k) >= {"TrainingJobName", "TrainingJobArn", "CreationTime", "TrainingStartTime",
                      "TrainingEndTime"}

    desc = sm.list_training_jobs_for_hyper_parameter_tuning_job(
        HyperParameterTuningJobName=finished_tuning, SortBy="Name", SortOrder="Descending")
    assert [kid_index(k, finished_tuning) for k in desc["TrainingJobSummaries"]] == [3, 2, 1]


@pytest.mark.parametrize("order,want", [("Ascending", [3, 1, 2]), ("Descending", [2, 1, 3])])
def test_list_training_jobs_for_tuning_job_by_metric(sm, finished_tuning, order, want):
    r = sm.list_training_jobs_for_hyper_parameter_tuning_job(
        HyperParameterTuningJobName=finished_tuning, SortBy="FinalObjectiveMetricValue",
        SortOrder=order)
    kids = r["TrainingJobSummaries"]
    assert [kid_index(k, finished_tuning) for k in kids] == want
    values = [k["FinalHyperParameterTuningJobObjectiveMetric"]["Value"] for k in kids]
    assert values == sorted(values, reverse=order == "Descending")


def test_list_training_jobs_for_tuning_job_paging_and_filters(sm, finished_tuning):
    seen, token = [], None
    while True:
        kw = {"NextToken": token} if token else {}
        page = sm.list_training_jobs_for_hyper_parameter_tuning_job(
            HyperParameterTuningJobName=finished_tuning, SortBy="FinalObjectiveMetricValue",
            SortOrder="Descending", MaxResults=2, **kw)
        assert len(page["TrainingJobSummaries"]) <= 2
        seen += [kid_index(k, finished_tuning) for k in page["TrainingJobSummaries"]]
        token = page.get("NextToken")
        if not token:
            break
    assert seen == [2, 1, 3]

    first = sm.list_training_jobs_for_hyper_parameter_tuning_job(
        HyperParameterTuningJobName=finished_tuning, MaxResults=1)
    assert [kid_index(k, finished_tuning) for k in first["TrainingJobSummaries"]] == [1]
    nxt = sm.list_training_jobs_for_hyper_parameter_tuning_job(
        HyperParameterTuningJobName=finished_tuning, MaxResults=1, NextToken=first["NextToken"])
    assert [kid_index(k, finished_tuning) for k in nxt["TrainingJobSummaries"]] == [2]

    assert_error(lambda: sm.list_training_jobs_for_hyper_parameter_tuning_job(
        HyperParameterTuningJobName=finished_tuning, SortBy="FinalObjectiveMetricValue",
        NextToken=first["NextToken"]), "ValidationException", "Invalid pagination token.")

    done = sm.list_training_jobs_for_hyper_parameter_tuning_job(
        HyperParameterTuningJobName=finished_tuning, StatusEquals="Completed", SortBy="Status")
    assert len(done["TrainingJobSummaries"]) == 3
    none = sm.list_training_jobs_for_hyper_parameter_tuning_job(
        HyperParameterTuningJobName=finished_tuning, StatusEquals="InProgress")
    assert none["TrainingJobSummaries"] == []


def test_list_tuning_jobs(sm, bucket, finished_tuning):
    tag = uuid.uuid4().hex[:8]
    names = [f"lst{tag}-{i}" for i in range(3)]
    for n in names:
        sm.create_hyper_parameter_tuning_job(**tuning_request(n, bucket, max_jobs=1))
        time.sleep(0.01)
    for n in names:
        describe_tuning(sm, n)
    r = sm.list_hyper_parameter_tuning_jobs(NameContains=f"lst{tag}", SortBy="Name",
                                            SortOrder="Ascending", MaxResults=2)
    got = [s["HyperParameterTuningJobName"] for s in r["HyperParameterTuningJobSummaries"]]
    assert got == names[:2]
    r2 = sm.list_hyper_parameter_tuning_jobs(NameContains=f"lst{tag}", SortBy="Name",
                                             SortOrder="Ascending", MaxResults=2,
                                             NextToken=r["NextToken"])
    assert [s["HyperParameterTuningJobName"] for s in
            r2["HyperParameterTuningJobSummaries"]] == names[2:]
    s = r["HyperParameterTuningJobSummaries"][0]
    assert s["HyperParameterTuningJobStatus"] == "Completed"
    assert s["Strategy"] == "Bayesian"
    assert s["ResourceLimits"]["MaxNumberOfTrainingJobs"] == 1
    assert s["TrainingJobStatusCounters"]["Completed"] == 1
    assert s["ObjectiveStatusCounters"]["Succeeded"] == 1

    r = sm.list_hyper_parameter_tuning_jobs(NameContains=finished_tuning)
    s, = r["HyperParameterTuningJobSummaries"]
    assert s["TrainingJobStatusCounters"]["Completed"] == 3


def test_tuning_warm_start_overall_best(sm, bucket, finished_tuning):
    """OverallBestTrainingJob spans the parents' training jobs."""
    name = short_name("warm")
    sm.create_hyper_parameter_tuning_job(**tuning_request(
        name, bucket, max_jobs=1, WarmStartConfig={
            "ParentHyperParameterTuningJobs": [{"HyperParameterTuningJobName": finished_tuning}],
            "WarmStartType": "IdenticalDataAndAlgorithm"}))
    d = describe_tuning(sm, name)
    assert d["BestTrainingJob"]["TrainingJobName"].startswith(f"{name}-001-")
    assert d["OverallBestTrainingJob"]["TrainingJobName"].startswith(f"{finished_tuning}-002-")
    assert d["WarmStartConfig"]["WarmStartType"] == "IdenticalDataAndAlgorithm"


# ---- tuning validation beyond the model -------------------------------------

def test_tuning_range_min_above_max(sm, bucket):
    ranges = {"IntegerParameterRanges": [{"Name": "max_depth", "MinValue": "10",
                                          "MaxValue": "1"}]}
    name = short_name()
    msg = assert_error(lambda: sm.create_hyper_parameter_tuning_job(
        **tuning_request(name, bucket, ranges=ranges)), "ValidationException")
    assert "max_depth" in msg and "MinValue" in msg and "MaxValue" in msg
    assert_error(lambda: sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=name),
                 "ResourceNotFound")


def test_tuning_static_and_tuned_hyperparameter(sm, bucket):
    static = {"objective": "binary:logistic", "eta": "0.3"}
    msg = assert_error(lambda: sm.create_hyper_parameter_tuning_job(
        **tuning_request(short_name(), bucket, static=static)), "ValidationException")
    assert "eta" in msg and "static" in msg


def test_tuning_too_many_ranges(sm, bucket):
    ranges = {
        "ContinuousParameterRanges": [{"Name": f"c{i}", "MinValue": "0", "MaxValue": "1"}
                                      for i in range(16)],
        "IntegerParameterRanges": [{"Name": f"i{i}", "MinValue": "0", "MaxValue": "9"}
                                   for i in range(15)]}
    msg = assert_error(lambda: sm.create_hyper_parameter_tuning_job(
        **tuning_request(short_name(), bucket, ranges=ranges)), "ValidationException")
    assert "31" in msg and "30" in msg
    ranges["IntegerParameterRanges"].pop()
    name = short_name()
    sm.create_hyper_parameter_tuning_job(**tuning_request(name, bucket, ranges=ranges,
                                                          max_jobs=1))
    assert describe_tuning(sm, name)["HyperParameterTuningJobStatus"] == "Completed"


METRIC_MSG = ("A metric is required for this hyperparameter tuning job objective. "
              "Provide a metric in the metric definitions.")


def test_tuning_objective_metric_must_be_defined(sm, bucket):
    """A custom image's objective must be among its MetricDefinitions; the
    built-in XGBoost's own metrics need none, unless it runs a script."""
    assert_error(lambda: sm.create_hyper_parameter_tuning_job(**tuning_request(
        short_name(), bucket, image=CUSTOM_IMAGE, objective="val:acc")),
        "ValidationException", METRIC_MSG)
    assert_error(lambda: sm.create_hyper_parameter_tuning_job(**tuning_request(
        short_name(), bucket, image=CUSTOM_IMAGE, objective="val:acc",
        metric_defs=[{"Name": "val:loss", "Regex": "loss=(.*)"}])),
        "ValidationException", METRIC_MSG)
    script = {"sagemaker_program": '"train.py"', "objective": "binary:logistic"}
    assert_error(lambda: sm.create_hyper_parameter_tuning_job(**tuning_request(
        short_name(), bucket, static=script)), "ValidationException", METRIC_MSG)
    assert_error(lambda: sm.create_hyper_parameter_tuning_job(**tuning_request(
        short_name(), bucket, objective="validation:not-a-metric")),
        "ValidationException", METRIC_MSG)

    ok = short_name()
    sm.create_hyper_parameter_tuning_job(**tuning_request(
        ok, bucket, image=CUSTOM_IMAGE, objective="val:acc", kind="Maximize",
        metric_defs=[{"Name": "val:acc", "Regex": "acc=(.*)"}]))
    d = describe_tuning(sm, ok)
    assert d["BestTrainingJob"]["FinalHyperParameterTuningJobObjectiveMetric"]["MetricName"] == \
        "val:acc"
    ok2 = short_name()
    sm.create_hyper_parameter_tuning_job(**tuning_request(ok2, bucket, static=script,
                                                          metric_defs=[{"Name": "validation:auc",
                                                                        "Regex": "auc=(.*)"}]))
    assert describe_tuning(sm, ok2)["HyperParameterTuningJobStatus"] == "Completed"
