"""CloudWatch metrics (signing name "monitoring") through boto3 and the
SageMaker SDK.

* Every wire protocol botocore versions send for CloudWatch answers alike:
  awsJson1_0 (what the installed botocore picks), awsQuery (older
  botocore, the aws CLI v1 of their time) and Smithy RPC v2 CBOR (listed
  first in the service model; newer SDKs pick it).  The protocol is forced
  by loading a copy of botocore's own service model with only that protocol
  listed.
* PutMetricData → ListMetrics (namespace, name, dimension filters) →
  GetMetricStatistics (Period buckets aligned on the rounded StartTime,
  EndTime exclusive, the five statistics and percentiles) → GetMetricData
  (ScanBy, MaxDatapoints/NextToken paging, ReturnData).
* Bad input answers with CloudWatch's codes: MissingParameter,
  InvalidParameterValue, InvalidParameterCombination, ValidationError,
  InvalidNextToken.
* A real training job (host executor) whose script prints metric lines
  publishes one datapoint per matching line in /aws/sagemaker/TrainingJobs
  under TrainingJobName=<job> and Host=<job>/algo-1; the SDK v2's
  TrainingJobAnalytics(job).dataframe() and estimator.training_job_analytics
  read them back (tests/sdk/analytics_flow.py in .venv-sdk1 and .venv-sdk2)."""
import copy
import datetime as dt
import gzip
import json
import subprocess
import time
import uuid
from pathlib import Path

import boto3
import botocore
import botocore.session
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import REPO
from test_sdk_env import env_from_sagelite
from test_training import ROLE, script_job, tar_gz, wait_job

UTC = dt.timezone.utc
PROTOCOLS = ["json", "query", "smithy-rpc-v2-cbor"]


def uniq(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def models_dir(tmp_path_factory):
    """One copy of botocore's cloudwatch model per protocol, each listing
    only that protocol."""
    base = tmp_path_factory.mktemp("cw-models")
    src = Path(botocore.__file__).parent / "data" / "cloudwatch" / "2010-08-01" / "service-2.json.gz"
    model = json.loads(gzip.open(src).read())
    dirs = {}
    for proto in PROTOCOLS:
        m = copy.deepcopy(model)
        m["metadata"]["protocol"] = proto
        m["metadata"]["protocols"] = [proto]
        d = base / proto
        (d / "cloudwatch" / "2010-08-01").mkdir(parents=True)
        (d / "cloudwatch" / "2010-08-01" / "service-2.json").write_text(json.dumps(m))
        dirs[proto] = d
    return dirs


@pytest.fixture(scope="module")
def cwd(module_daemon_factory):
    """The daemon the API tests share."""
    return module_daemon_factory()


def cw_client(daemon, models_dir, proto, validate=True):
    s = botocore.session.get_session()
    s.get_component("data_loader").search_paths.insert(0, str(models_dir[proto]))
    cfg = Config(retries={"max_attempts": 1}, parameter_validation=validate)
    return boto3.session.Session(botocore_session=s).client(
        "cloudwatch", endpoint_url=daemon.url, aws_access_key_id="test",
        aws_secret_access_key="test", region_name="us-east-1", config=cfg)


@pytest.fixture(scope="module", params=PROTOCOLS)
def cw(request, cwd, models_dir):
    c = cw_client(cwd, models_dir, request.param)
    assert c.meta.service_model.protocol == request.param
    return c


@pytest.fixture(scope="module")
def cw_loose(cwd, models_dir):
    """A JSON client without botocore's own parameter validation, to see the
    server's answers to what the model would refuse."""
    return cw_client(cwd, models_dir, "json", validate=False)


def code_of(e):
    return e.value.response["Error"]["Code"]


def minute(t):
    return t.replace(second=0, microsecond=0)


@pytest.fixture(scope="module")
def series(cw):
    """Six values of one metric put 10 s apart from the start of a minute
    five minutes ago, plus a second dimension set of the same metric."""
    ns = uniq("Test/Sagelite")
    t0 = minute(dt.datetime.now(UTC) - dt.timedelta(minutes=5))
    dims = [{"Name": "Host", "Value": "algo-1"}, {"Name": "Job", "Value": "j1"}]
    cw.put_metric_data(Namespace=ns, MetricData=[
        {"MetricName": "loss", "Dimensions": dims, "Timestamp": t0 + dt.timedelta(seconds=10 * i),
         "Value": float(v), "Unit": "None"}
        for i, v in enumerate([6, 5, 4, 3, 2, 1])])
    cw.put_metric_data(Namespace=ns, MetricData=[
        {"MetricName": "loss", "Dimensions": [{"Name": "Job", "Value": "j2"}],
         "Timestamp": t0 + dt.timedelta(seconds=70), "Value": 42.0}])
    return {"ns": ns, "t0": t0, "dims": dims}


def test_botocore_default_protocol_is_served(cwd):
    c = cwd.client("cloudwatch")
    assert c.meta.service_model.protocol in PROTOCOLS
    assert "Metrics" in c.list_metrics(Namespace="Nothing/Here")


def test_list_metrics_filters(cw, series):
    ns = series["ns"]
    got = cw.list_metrics(Namespace=ns)["Metrics"]
    assert len(got) == 2
    assert all(m["Namespace"] == ns and m["MetricName"] == "loss" for m in got)
    dimsets = sorted(sorted((d["Name"], d["Value"]) for d in m["Dimensions"]) for m in got)
    assert dimsets == [[("Host", "algo-1"), ("Job", "j1")], [("Job", "j2")]]
    assert len(cw.list_metrics(Namespace=ns, Dimensions=[{"Name": "Host"}])["Metrics"]) == 1
    assert len(cw.list_metrics(Namespace=ns, Dimensions=[{"Name": "Job"}])["Metrics"]) == 2
    assert len(cw.list_metrics(Namespace=ns, Dimensions=[{"Name": "Job", "Value": "j2"}])
               ["Metrics"]) == 1
    assert cw.list_metrics(Namespace=ns, MetricName="nope")["Metrics"] == []
    assert len(cw.list_metrics(Namespace=ns, RecentlyActive="PT3H")["Metrics"]) == 2


def test_metrics_belong_to_the_account(cwd, series):
    other = cwd.client("cloudwatch", key="AKIAOTHERACCOUNT0001")
    assert other.list_metrics(Namespace=series["ns"])["Metrics"] == []


def test_get_metric_statistics_buckets(cw, series):
    ns, t0, dims = series["ns"], series["t0"], series["dims"]
    r = cw.get_metric_statistics(
        Namespace=ns, MetricName="loss", Dimensions=list(reversed(dims)),
        StartTime=t0, EndTime=t0 + dt.timedelta(minutes=2), Period=60,
        Statistics=["Average", "Sum", "Minimum", "Maximum", "SampleCount"])
    assert r["Label"] == "loss"
    [p] = r["Datapoints"]
    assert p["Timestamp"] == t0
    assert (p["Average"], p["Sum"], p["Minimum"], p["Maximum"], p["SampleCount"]) == \
        (3.5, 21.0, 1.0, 6.0, 6.0)
    assert p["Unit"] == "None"
    # Period 10: one datapoint per value, at its own timestamp.
    r = cw.get_metric_statistics(Namespace=ns, MetricName="loss", Dimensions=dims,
                                 StartTime=t0, EndTime=t0 + dt.timedelta(minutes=1), Period=10,
                                 Statistics=["Average"])
    pts = sorted((p["Timestamp"], p["Average"]) for p in r["Datapoints"])
    assert pts == [(t0 + dt.timedelta(seconds=10 * i), float(6 - i)) for i in range(6)]
    # EndTime is exclusive; StartTime is rounded down to the minute.
    r = cw.get_metric_statistics(Namespace=ns, MetricName="loss", Dimensions=dims,
                                 StartTime=t0 + dt.timedelta(seconds=25),
                                 EndTime=t0 + dt.timedelta(seconds=30), Period=1,
                                 Statistics=["SampleCount"])
    assert sorted(p["Timestamp"] for p in r["Datapoints"]) == \
        [t0, t0 + dt.timedelta(seconds=10), t0 + dt.timedelta(seconds=20)]
    # A dimension set is its own metric: a subset matches nothing.
    r = cw.get_metric_statistics(Namespace=ns, MetricName="loss", Dimensions=dims[:1],
                                 StartTime=t0, EndTime=t0 + dt.timedelta(minutes=2), Period=60,
                                 Statistics=["Average"])
    assert r["Datapoints"] == []
    # Percentiles.
    r = cw.get_metric_statistics(Namespace=ns, MetricName="loss", Dimensions=dims,
                                 StartTime=t0, EndTime=t0 + dt.timedelta(minutes=1), Period=60,
                                 ExtendedStatistics=["p50", "p100"])
    assert r["Datapoints"][0]["ExtendedStatistics"] == {"p50": 3.0, "p100": 6.0}


def test_get_metric_data(cw, series):
    ns, t0, dims = series["ns"], series["t0"], series["dims"]

    def query(qid, stat, period=10, dimensions=dims, **kw):
        return {"Id": qid, "MetricStat": {"Metric": {"Namespace": ns, "MetricName": "loss",
                                                     "Dimensions": dimensions},
                                          "Period": period, "Stat": stat}, **kw}

    r = cw.get_metric_data(
        MetricDataQueries=[query("raw", "Average"),
                           query("total", "Sum", period=60, Label="all of it"),
                           query("hidden", "Maximum", ReturnData=False),
                           query("other", "Maximum", dimensions=[{"Name": "Job", "Value": "j2"}])],
        StartTime=t0, EndTime=t0 + dt.timedelta(minutes=3), ScanBy="TimestampAscending")
    res = {x["Id"]: x for x in r["MetricDataResults"]}
    assert set(res) == {"raw", "total", "other"}
    assert res["raw"]["Values"] == [6.0, 5.0, 4.0, 3.0, 2.0, 1.0]
    assert res["raw"]["Timestamps"][0] == t0 and res["raw"]["Label"] == "loss"
    assert res["total"]["Values"] == [21.0] and res["total"]["Label"] == "all of it"
    assert res["other"]["Values"] == [42.0]
    assert all(x["StatusCode"] == "Complete" for x in res.values())
    # Default ScanBy: newest first.
    r = cw.get_metric_data(MetricDataQueries=[query("raw", "Minimum")], StartTime=t0,
                           EndTime=t0 + dt.timedelta(minutes=1))
    assert r["MetricDataResults"][0]["Values"] == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    # MaxDatapoints pages with NextToken.
    got, token, pages = [], None, 0
    while True:
        kw = {"NextToken": token} if token else {}
        r = cw.get_metric_data(MetricDataQueries=[query("raw", "Average")], StartTime=t0,
                               EndTime=t0 + dt.timedelta(minutes=1), MaxDatapoints=4,
                               ScanBy="TimestampAscending", **kw)
        got += r["MetricDataResults"][0]["Values"]
        pages += 1
        token = r.get("NextToken")
        if not token:
            break
        assert r["MetricDataResults"][0]["StatusCode"] == "PartialData"
    assert pages == 2 and got == [6.0, 5.0, 4.0, 3.0, 2.0, 1.0]


def test_put_metric_data_statistic_sets_and_value_lists(cw):
    ns = uniq("Test/Sets")
    t = minute(dt.datetime.now(UTC) - dt.timedelta(minutes=2))
    cw.put_metric_data(Namespace=ns, MetricData=[
        {"MetricName": "m", "Timestamp": t, "StatisticValues":
         {"SampleCount": 4, "Sum": 10, "Minimum": 1, "Maximum": 4}, "Unit": "Count"},
        {"MetricName": "m", "Timestamp": t + dt.timedelta(seconds=5), "Values": [5, 7],
         "Counts": [1, 2], "Unit": "Count"}])
    r = cw.get_metric_statistics(Namespace=ns, MetricName="m", StartTime=t,
                                 EndTime=t + dt.timedelta(minutes=1), Period=60,
                                 Statistics=["SampleCount", "Sum", "Minimum", "Maximum"],
                                 Unit="Count")
    [p] = r["Datapoints"]
    assert (p["SampleCount"], p["Sum"], p["Minimum"], p["Maximum"], p["Unit"]) == \
        (7.0, 29.0, 1.0, 7.0, "Count")
    r = cw.get_metric_statistics(Namespace=ns, MetricName="m", StartTime=t,
                                 EndTime=t + dt.timedelta(minutes=1), Period=60,
                                 Statistics=["Sum"], Unit="Seconds")
    assert r["Datapoints"] == []


def test_recently_active_means_recently_published(cw):
    """RecentlyActive=PT3H looks at when datapoints arrived, not at their
    timestamps (CloudWatch's wording: "had data points published")."""
    ns = uniq("Test/Old")
    old = dt.datetime.now(UTC) - dt.timedelta(days=2)
    cw.put_metric_data(Namespace=ns, MetricData=[{"MetricName": "m", "Timestamp": old,
                                                  "Value": 1.0}])
    assert len(cw.list_metrics(Namespace=ns, RecentlyActive="PT3H")["Metrics"]) == 1
    r = cw.get_metric_statistics(Namespace=ns, MetricName="m", StartTime=old - dt.timedelta(hours=1),
                                 EndTime=old + dt.timedelta(hours=1), Period=3600,
                                 Statistics=["Sum"])
    assert [p["Sum"] for p in r["Datapoints"]] == [1.0]


def test_aws_cli_put_and_get(cwd, tmp_path):
    """The aws CLI (v1, over the same botocore) publishes and reads back."""
    import sys
    from conftest import clean_env
    aws = Path(sys.executable).with_name("aws")
    assert aws.exists(), f"aws CLI not found at {aws}"
    env = clean_env({"AWS_ENDPOINT_URL": cwd.url, "AWS_ACCESS_KEY_ID": "test",
                     "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "us-east-1",
                     "AWS_CONFIG_FILE": str(tmp_path / "none"),
                     "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
                     "AWS_MAX_ATTEMPTS": "1", "AWS_PAGER": ""})
    ns = uniq("Test/Cli")
    t = minute(dt.datetime.now(UTC) - dt.timedelta(minutes=3))

    def run(*args):
        r = subprocess.run([str(aws), "cloudwatch", *args], capture_output=True, text=True,
                           env=env, timeout=60)
        assert r.returncode == 0, r.stderr
        return json.loads(r.stdout) if r.stdout.strip() else None

    run("put-metric-data", "--namespace", ns, "--metric-name", "m", "--value", "2.5",
        "--timestamp", t.isoformat(), "--dimensions", "Job=cli")
    r = run("get-metric-statistics", "--namespace", ns, "--metric-name", "m",
            "--dimensions", "Name=Job,Value=cli", "--start-time", t.isoformat(),
            "--end-time", (t + dt.timedelta(minutes=1)).isoformat(), "--period", "60",
            "--statistics", "Average")
    assert [p["Average"] for p in r["Datapoints"]] == [2.5]
    assert run("list-metrics", "--namespace", ns)["Metrics"][0]["Dimensions"] == \
        [{"Name": "Job", "Value": "cli"}]


# ---- bad input ----------------------------------------------------------------

def gms(client, **kw):
    now = dt.datetime.now(UTC)
    args = dict(Namespace="Test/X", MetricName="m", StartTime=now - dt.timedelta(hours=1),
                EndTime=now, Period=60, Statistics=["Average"])
    args.update(kw)
    return client.get_metric_statistics(**{k: v for k, v in args.items() if v is not None})


@pytest.mark.parametrize("kw,code", [
    ({"Period": 7}, "InvalidParameterValue"),
    ({"Period": None}, "MissingParameter"),
    ({"Namespace": None}, "MissingParameter"),
    ({"Statistics": ["Median"]}, "InvalidParameterValue"),
    ({"Statistics": None}, "MissingParameter"),
    ({"ExtendedStatistics": ["p90"]}, "InvalidParameterCombination"),
    ({"Period": 1}, "InvalidParameterCombination"),     # 3600 datapoints > 1440
    ({"StartTime": dt.datetime.now(UTC) + dt.timedelta(hours=1)}, "InvalidParameterValue"),
])
def test_get_metric_statistics_bad_input(cw_loose, kw, code):
    with pytest.raises(ClientError) as e:
        gms(cw_loose, **kw)
    assert code_of(e) == code
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert e.value.response["Error"]["Message"]


def test_bad_input_codes_match_across_protocols(cw):
    with pytest.raises(ClientError) as e:
        gms(cw, Period=7)
    assert code_of(e) == "InvalidParameterValue"
    assert "Period" in e.value.response["Error"]["Message"]
    now = dt.datetime.now(UTC)
    q = {"Id": "a", "MetricStat": {"Metric": {"Namespace": "N", "MetricName": "m"},
                                   "Period": 60, "Stat": "Average"}}
    with pytest.raises(ClientError) as e:
        cw.get_metric_data(MetricDataQueries=[q, dict(q)], StartTime=now - dt.timedelta(hours=1),
                           EndTime=now)
    assert code_of(e) == "ValidationError"
    with pytest.raises(ClientError) as e:
        cw.get_metric_data(MetricDataQueries=[{"Id": "e", "Expression": "SUM(METRICS())"}],
                           StartTime=now - dt.timedelta(hours=1), EndTime=now)
    assert code_of(e) == "ValidationError"
    with pytest.raises(ClientError) as e:
        cw.get_metric_data(MetricDataQueries=[q], StartTime=now - dt.timedelta(hours=1),
                           EndTime=now, NextToken="garbage")
    assert code_of(e) == "InvalidNextToken"
    with pytest.raises(ClientError) as e:
        cw.put_metric_data(Namespace="AWS/SageMaker", MetricData=[{"MetricName": "m", "Value": 1}])
    assert code_of(e) == "InvalidParameterValue"
    with pytest.raises(ClientError) as e:
        cw.put_metric_data(Namespace="Test/X", MetricData=[{"MetricName": "m"}])
    assert code_of(e) == "InvalidParameterCombination"


def test_unknown_operation_is_refused(cw):
    with pytest.raises(ClientError) as e:
        cw.describe_alarms()
    assert code_of(e) in ("InvalidAction", "UnknownOperationException")


def test_large_put_metric_data_is_gzip_compressed_and_accepted(cw_loose):
    """botocore gzips PutMetricData bodies past 10 KB."""
    ns = uniq("Test/Big")
    t = minute(dt.datetime.now(UTC) - dt.timedelta(minutes=1))
    data = [{"MetricName": "m", "Dimensions": [{"Name": "D", "Value": f"v{i:04d}"}],
             "Timestamp": t, "Value": float(i)} for i in range(300)]
    cw_loose.put_metric_data(Namespace=ns, MetricData=data)
    assert len(cw_loose.list_metrics(Namespace=ns)["Metrics"]) == 300


# ---- training jobs ---------------------------------------------------------------

TRAIN_SCRIPT = r"""
import sys, time
for epoch in range(1, 4):
    print(f"epoch={epoch} train_loss={1.0 / epoch:.4f};", flush=True)
    print(f"validation accuracy\t{0.5 + epoch / 10:.2f}", file=sys.stderr, flush=True)
    time.sleep(1.1)
"""
DEFS = [{"Name": "train:loss", "Regex": r"train_loss=(.*?);"},
        {"Name": "validation:accuracy", "Regex": r"validation accuracy#011([0-9.]+)"}]


@pytest.fixture(scope="module")
def trainer(module_daemon_factory):
    return module_daemon_factory("--executor", "host", "--python", "/usr/bin/python3")


@pytest.fixture(scope="module")
def metric_job(trainer):
    sm, s3 = trainer.client("sagemaker"), trainer.client("s3")
    bucket = uniq("cwjobs")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="data/train/train.csv", Body=b"0,1\n")
    job = script_job(sm, s3, bucket, uniq("cw-metrics"), script=TRAIN_SCRIPT,
                     AlgorithmSpecification={
                         "TrainingImage": "683313688378.dkr.ecr.us-east-1.amazonaws.com/"
                                          "sagemaker-scikit-learn:1.2-1-cpu-py3",
                         "TrainingInputMode": "File", "MetricDefinitions": DEFS})
    desc = wait_job(sm, job, timeout=120)
    assert desc["TrainingJobStatus"] == "Completed", desc.get("FailureReason")
    return {"job": job, "desc": desc}


@pytest.mark.timeout(180)
def test_training_job_publishes_one_datapoint_per_line(trainer, metric_job):
    cw = trainer.client("cloudwatch")
    job, desc = metric_job["job"], metric_job["desc"]
    got = cw.list_metrics(Namespace="/aws/sagemaker/TrainingJobs",
                          Dimensions=[{"Name": "TrainingJobName", "Value": job}])["Metrics"]
    assert sorted(m["MetricName"] for m in got) == ["train:loss", "validation:accuracy"]
    hosts = cw.list_metrics(Namespace="/aws/sagemaker/TrainingJobs",
                            Dimensions=[{"Name": "Host", "Value": f"{job}/algo-1"}])["Metrics"]
    assert sorted(m["MetricName"] for m in hosts) == ["train:loss", "validation:accuracy"]
    start = desc["TrainingStartTime"] - dt.timedelta(minutes=1)
    end = desc["TrainingEndTime"] + dt.timedelta(minutes=1)
    for dims in ([{"Name": "TrainingJobName", "Value": job}],
                 [{"Name": "Host", "Value": f"{job}/algo-1"}]):
        r = cw.get_metric_data(MetricDataQueries=[
            {"Id": "loss", "MetricStat": {"Metric": {"Namespace": "/aws/sagemaker/TrainingJobs",
                                                     "MetricName": "train:loss", "Dimensions": dims},
                                          "Period": 1, "Stat": "Average"}},
            {"Id": "acc", "MetricStat": {"Metric": {"Namespace": "/aws/sagemaker/TrainingJobs",
                                                    "MetricName": "validation:accuracy",
                                                    "Dimensions": dims},
                                         "Period": 1, "Stat": "Maximum"}}],
            StartTime=start, EndTime=end, ScanBy="TimestampAscending")
        res = {x["Id"]: x for x in r["MetricDataResults"]}
        assert res["loss"]["Values"] == [1.0, 0.5, 0.3333]
        assert res["acc"]["Values"] == [0.6, 0.7, 0.8]
        ts = res["loss"]["Timestamps"]
        assert ts == sorted(ts) and desc["TrainingStartTime"] - dt.timedelta(seconds=1) <= ts[0]
    final = {m["MetricName"]: m["Value"] for m in desc["FinalMetricDataList"]}
    assert final == {"train:loss": 0.3333, "validation:accuracy": 0.8}


@pytest.mark.timeout(240)
@pytest.mark.parametrize("sdk", ["1", "2"])
def test_sdk_training_job_analytics_dataframe(trainer, metric_job, sdk):
    python = REPO / f".venv-sdk{sdk}" / "bin" / "python"
    assert python.exists(), f"{python} missing: run scripts/install-deps.sh --test"
    env = env_from_sagelite(trainer)
    env["SAGEMAKER_SUPPRESS_V2_WARNING"] = "1"
    proc = subprocess.run([str(python), str(REPO / "tests/sdk/analytics_flow.py"),
                           metric_job["job"]], env=env, capture_output=True, text=True,
                          timeout=180)
    assert proc.returncode == 0, proc.stderr[-4000:]
    r = json.loads(proc.stdout.strip().splitlines()[-1])
    assert r["version"].startswith(f"{sdk}.")
    assert r["blocked"] == [], r["blocked"]
    assert r["metric_names"] == ["train:loss", "validation:accuracy"]
    # Period 60, Average: the three lines fall in one or two minutes.
    by_metric = {}
    for ts, name, value in r["rows"]:
        by_metric.setdefault(name, []).append((ts, value))
    assert set(by_metric) == {"train:loss", "validation:accuracy"}
    for name, values in by_metric.items():
        assert 1 <= len(values) <= 2 and values[0][0] == 0.0, (name, values)
    loss_mean = sum(v for _, v in by_metric["train:loss"]) / len(by_metric["train:loss"])
    assert 0.33 <= loss_mean <= 1.0
    assert r["attached_rows"] == r["rows"]



@pytest.mark.timeout(240)
def test_builtin_xgboost_metrics_are_published(trainer):
    import os
    from conftest import SAGELITE_BIN
    if not (Path(os.path.realpath(SAGELITE_BIN)).parent / "sagelite-xgboost").exists():
        pytest.skip("sagelite-xgboost not built (configured without libxgboost)")
    sm, s3, cw = (trainer.client(s) for s in ("sagemaker", "s3", "cloudwatch"))
    bucket = uniq("cwxgb")
    s3.create_bucket(Bucket=bucket)
    rows = "".join(f"{(i * 7) % 10},{i % 10},{(i * 3) % 10}\n" for i in range(200))
    for ch in ("train", "validation"):
        s3.put_object(Bucket=bucket, Key=f"{ch}/d.csv", Body=rows.encode())
    job = uniq("cw-xgb")
    sm.create_training_job(
        TrainingJobName=job, RoleArn=ROLE,
        HyperParameters={"num_round": "5", "objective": "reg:squarederror", "max_depth": "2"},
        AlgorithmSpecification={"TrainingImage": "811284229777.dkr.ecr.us-east-1.amazonaws.com/xgboost:1",
                                "TrainingInputMode": "File"},
        InputDataConfig=[{"ChannelName": ch, "ContentType": "text/csv", "DataSource": {
            "S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": f"s3://{bucket}/{ch}/",
                             "S3DataDistributionType": "FullyReplicated"}}}
            for ch in ("train", "validation")],
        OutputDataConfig={"S3OutputPath": f"s3://{bucket}/output"},
        ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 5},
        StoppingCondition={"MaxRuntimeInSeconds": 300})
    desc = wait_job(sm, job, timeout=180)
    assert desc["TrainingJobStatus"] == "Completed", desc.get("FailureReason")
    names = {m["MetricName"] for m in cw.list_metrics(
        Namespace="/aws/sagemaker/TrainingJobs",
        Dimensions=[{"Name": "TrainingJobName", "Value": job}])["Metrics"]}
    assert {"train:rmse", "validation:rmse"} <= names, names
    r = cw.get_metric_statistics(
        Namespace="/aws/sagemaker/TrainingJobs", MetricName="validation:rmse",
        Dimensions=[{"Name": "TrainingJobName", "Value": job}],
        StartTime=desc["TrainingStartTime"] - dt.timedelta(minutes=1),
        EndTime=desc["TrainingEndTime"] + dt.timedelta(minutes=1), Period=60,
        Statistics=["SampleCount", "Minimum"])
    assert sum(p["SampleCount"] for p in r["Datapoints"]) == 5
    final = {m["MetricName"]: m["Value"] for m in desc["FinalMetricDataList"]}
    assert min(p["Minimum"] for p in r["Datapoints"]) <= final["validation:rmse"]
