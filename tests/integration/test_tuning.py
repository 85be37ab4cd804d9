"""Hyperparameter tuning jobs really search: a daemon started with
`--executor host` runs each tuning job's children as real training jobs
(jobs/tuning.c over jobs/search.c), driven here with boto3.

The children run a generic user-mapped "container" (a tiny Python program
written by the test, mapped with --runtime-map) that reads its
hyperparameters from input/config/hyperparameters.json and prints
`objective=<value>` once per epoch for a known function of them,
-(x-0.3)^2-(log10(y)+2)^2 (x Continuous Linear [0, 1], y Continuous
Logarithmic [1e-4, 1], optimum 0), approaching the final value over the
epochs.

* Bayesian reaches within 0.01 of the optimum in 20 jobs; the best job,
  counters and ListTrainingJobsForHyperParameterTuningJob agree.
* Random with a RandomSeed proposes the same hyperparameters twice.
* Grid enumerates exactly the grid of integer x categorical values, and
  MaxParallelTrainingJobs is never exceeded (from the children's
  TrainingStartTime/TrainingEndTime).
* A failing child counts (NonRetryableError) and does not stall the job.
* StopHyperParameterTuningJob stops the running children.
* Hyperband stops children at rungs (fewer epochs logged than MaxResource).
* WarmStartConfig: the parent's children count for OverallBestTrainingJob.
* Bad input answers ValidationException with AWS's wording.
* SDK v2 (tests/sdk/tuning_fraud.py): the fraud lab's HyperparameterTuner on
  the built-in XGBoost (validation:auc, no regex), best_training_job(),
  attach(), deploy() + CSV predict + delete_endpoint()."""
import json
import math
import os
import subprocess
import time
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from conftest import REPO, SAGELITE_BIN
from test_sdk_env import env_from_sagelite
from test_training import uniq, write_runtime_map

SDK2_PYTHON = REPO / ".venv-sdk2" / "bin" / "python"
XGB_PROGRAM = Path(os.path.realpath(SAGELITE_BIN)).parent / "sagelite-xgboost"

ACCOUNT = "000000000000"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/SageMakerRole"
IMAGE = "local/objective-trainer:1"
DONE = ("Completed", "Failed", "Stopped")

TRAINER = r'''#!/usr/bin/python3
# objective-trainer: prints objective=<f(x, y)> once per epoch.
import json, math, os, sys, time
if sys.argv[1:] != ["train"]:
    sys.exit("expected 'train'")
base = os.environ.get("SAGEMAKER_BASE_DIR", "/opt/ml")
hp = json.load(open(os.path.join(base, "input/config/hyperparameters.json")))
x = float(hp.get("x", "0.5"))
y = float(hp.get("y", "0.01"))
if hp.get("mode") == "crash":
    sys.exit("ValueError: this child fails on purpose")
epochs = int(hp.get("epochs", "1"))
sleep = float(hp.get("sleep", "0"))
final = -(x - 0.3) ** 2 - (math.log10(y) + 2) ** 2 - 0.01 * float(hp.get("n", "0"))
for e in range(1, epochs + 1):
    print(f"epoch {e}: objective={final - (1.0 / e - 1.0 / epochs):.8f}", flush=True)
    if sleep:
        time.sleep(sleep)
with open(os.path.join(os.environ.get("SM_MODEL_DIR", base + "/model"), "hp.json"), "w") as f:
    json.dump(hp, f)
'''

METRICS = [{"Name": "objective", "Regex": "objective=([-0-9.eE+]+)"}]
KNOWN_RANGES = {"ContinuousParameterRanges": [
    {"Name": "x", "MinValue": "0", "MaxValue": "1", "ScalingType": "Linear"},
    {"Name": "y", "MinValue": "0.0001", "MaxValue": "1", "ScalingType": "Logarithmic"}]}


@pytest.fixture(scope="module")
def tuner(module_daemon_factory, tmp_path_factory):
    cfg = tmp_path_factory.mktemp("tuning-runtime")
    prog = cfg / "objective_trainer.py"
    prog.write_text(TRAINER)
    prog.chmod(0o755)
    rmap = write_runtime_map(cfg / "runtimes.conf", {"local/objective-trainer:*": prog})
    return module_daemon_factory("--executor", "host", "--runtime-map", str(rmap),
                                 "--python", "/usr/bin/python3")


@pytest.fixture(scope="module")
def sm(tuner):
    return tuner.client("sagemaker")


@pytest.fixture(scope="module")
def bucket(tuner):
    s3 = tuner.client("s3")
    name = uniq("tuning")
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="data/train/train.csv", Body=b"0,1\n")
    return name


def definition(bucket, static=None, metrics=METRICS):
    return {
        "StaticHyperParameters": dict(static or {}),
        "AlgorithmSpecification": {"TrainingImage": IMAGE, "TrainingInputMode": "File",
                                   "MetricDefinitions": metrics},
        "RoleArn": ROLE,
        "InputDataConfig": [{"ChannelName": "train", "DataSource": {"S3DataSource": {
            "S3DataType": "S3Prefix", "S3Uri": f"s3://{bucket}/data/train/",
            "S3DataDistributionType": "FullyReplicated"}}}],
        "OutputDataConfig": {"S3OutputPath": f"s3://{bucket}/output"},
        "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1,
                           "VolumeSizeInGB": 1},
        "StoppingCondition": {"MaxRuntimeInSeconds": 300},
    }


def create(sm, bucket, strategy, ranges, max_jobs=None, parallel=1, static=None, seed=None,
           name=None, **config):
    name = name or uniq(f"tune-{strategy.lower()[:4]}")
    limits = {"MaxParallelTrainingJobs": parallel}
    if max_jobs:
        limits["MaxNumberOfTrainingJobs"] = max_jobs
    cfg = {"Strategy": strategy, "ResourceLimits": limits, "ParameterRanges": ranges,
           "HyperParameterTuningJobObjective": {"Type": "Maximize", "MetricName": "objective"}}
    if seed is not None:
        cfg["RandomSeed"] = seed
    extra = config.pop("request", {})
    cfg.update(config)
    sm.create_hyper_parameter_tuning_job(HyperParameterTuningJobName=name,
                                         HyperParameterTuningJobConfig=cfg,
                                         TrainingJobDefinition=definition(bucket, static),
                                         **extra)
    return name


def wait_tuning(sm, name, timeout=240, until=DONE):
    deadline = time.monotonic() + timeout
    while True:
        d = sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=name)
        if d["HyperParameterTuningJobStatus"] in until:
            return d
        assert time.monotonic() < deadline, f"{name} still {d['HyperParameterTuningJobStatus']}"
        time.sleep(0.3)


def children(sm, name):
    out, token = [], None
    while True:
        kw = {"NextToken": token} if token else {}
        page = sm.list_training_jobs_for_hyper_parameter_tuning_job(
            HyperParameterTuningJobName=name, MaxResults=100, **kw)
        out += page["TrainingJobSummaries"]
        token = page.get("NextToken")
        if not token:
            return sorted(out, key=lambda s: s["TrainingJobName"])


def max_overlap(descs):
    events = []
    for d in descs:
        if "TrainingStartTime" in d and "TrainingEndTime" in d:
            events += [(d["TrainingStartTime"].timestamp(), 1), (d["TrainingEndTime"].timestamp(), -1)]
    level = peak = 0
    for _, delta in sorted(events, key=lambda e: (e[0], e[1])):
        level += delta
        peak = max(peak, level)
    return peak


# ---- strategies ---------------------------------------------------------------

@pytest.mark.timeout(300)
def test_bayesian_reaches_the_optimum_within_20_jobs(sm, bucket):
    name = create(sm, bucket, "Bayesian", KNOWN_RANGES, max_jobs=20, parallel=2, seed=11)
    d = wait_tuning(sm, name)
    assert d["HyperParameterTuningJobStatus"] == "Completed", d.get("FailureReason")
    assert d["TrainingJobStatusCounters"]["Completed"] == 20, d["TrainingJobStatusCounters"]
    assert d["ObjectiveStatusCounters"]["Succeeded"] == 20
    best = d["BestTrainingJob"]
    value = best["FinalHyperParameterTuningJobObjectiveMetric"]["Value"]
    assert value > -0.01, best
    assert best["FinalHyperParameterTuningJobObjectiveMetric"]["MetricName"] == "objective"
    hp = best["TunedHyperParameters"]
    assert abs(float(hp["x"]) - 0.3) < 0.1 and abs(math.log10(float(hp["y"])) + 2) < 0.1, hp
    assert d["HyperParameterTuningEndTime"] >= d["CreationTime"]
    assert "RuntimeInSeconds" in d["ConsumedResources"]
    # The children are ordinary training jobs named as AWS names them.
    kids = children(sm, name)
    assert len(kids) == 20
    for i, k in enumerate(kids, 1):
        assert k["TrainingJobName"].startswith(f"{name}-{i:03d}-")
        assert len(k["TrainingJobName"]) == len(name) + 13
    top = sm.list_training_jobs_for_hyper_parameter_tuning_job(
        HyperParameterTuningJobName=name, SortBy="FinalObjectiveMetricValue",
        SortOrder="Descending", MaxResults=1)["TrainingJobSummaries"][0]
    assert top["TrainingJobName"] == best["TrainingJobName"]
    child = sm.describe_training_job(TrainingJobName=best["TrainingJobName"])
    assert child["TuningJobArn"] == d["HyperParameterTuningJobArn"]
    assert child["HyperParameters"]["_tuning_objective_metric"] == "objective"
    assert child["ResourceConfig"]["InstanceType"] == "ml.m5.large"
    # The model did its part: the best half lies near the optimum.
    values = sorted(k["FinalHyperParameterTuningJobObjectiveMetric"]["Value"] for k in kids)
    assert values[10] > -0.5, values


@pytest.mark.timeout(200)
def test_random_with_a_seed_is_reproducible(sm, bucket):
    def tuned(seed):
        name = create(sm, bucket, "Random", KNOWN_RANGES, max_jobs=5, parallel=2, seed=seed)
        d = wait_tuning(sm, name)
        assert d["HyperParameterTuningJobStatus"] == "Completed"
        return [(k["TunedHyperParameters"]["x"], k["TunedHyperParameters"]["y"])
                for k in children(sm, name)]

    first, second, other = tuned(1234), tuned(1234), tuned(99)
    assert first == second
    assert first != other
    assert len(set(first)) == 5
    for x, y in first:
        assert 0 <= float(x) <= 1 and 1e-4 <= float(y) <= 1


@pytest.mark.timeout(200)
def test_grid_enumerates_the_exact_grid_within_max_parallel(sm, bucket):
    ranges = {"IntegerParameterRanges": [{"Name": "n", "MinValue": "1", "MaxValue": "3"}],
              "CategoricalParameterRanges": [{"Name": "y", "Values": ["0.01", "0.1"]}]}
    name = create(sm, bucket, "Grid", ranges, parallel=2, static={"sleep": "0.3"})
    d = wait_tuning(sm, name)
    assert d["HyperParameterTuningJobStatus"] == "Completed", d.get("FailureReason")
    kids = children(sm, name)
    got = [(k["TunedHyperParameters"]["n"], k["TunedHyperParameters"]["y"]) for k in kids]
    assert got == [(n, y) for n in ("1", "2", "3") for y in ("0.01", "0.1")]
    descs = [sm.describe_training_job(TrainingJobName=k["TrainingJobName"]) for k in kids]
    assert max_overlap(descs) <= 2
    assert d["BestTrainingJob"]["TunedHyperParameters"] == {"n": "1", "y": "0.01"}


@pytest.mark.timeout(200)
def test_a_failing_child_does_not_stall_the_job(sm, bucket):
    ranges = {"IntegerParameterRanges": [{"Name": "n", "MinValue": "1", "MaxValue": "3"}],
              "CategoricalParameterRanges": [{"Name": "mode", "Values": ["ok", "crash"]}]}
    name = create(sm, bucket, "Grid", ranges, parallel=3)
    d = wait_tuning(sm, name)
    assert d["HyperParameterTuningJobStatus"] == "Completed", d.get("FailureReason")
    c, o = d["TrainingJobStatusCounters"], d["ObjectiveStatusCounters"]
    assert (c["Completed"], c["NonRetryableError"], c["InProgress"]) == (3, 3, 0), c
    assert (o["Succeeded"], o["Failed"], o["Pending"]) == (3, 3, 0), o
    failed = [k for k in children(sm, name) if k["TrainingJobStatus"] == "Failed"]
    assert all("fails on purpose" in k["FailureReason"] for k in failed), failed
    assert d["BestTrainingJob"]["TunedHyperParameters"]["mode"] == "ok"


@pytest.mark.timeout(200)
def test_every_child_failing_fails_the_job(sm, bucket):
    ranges = {"CategoricalParameterRanges": [{"Name": "mode", "Values": ["crash"]}]}
    name = create(sm, bucket, "Grid", ranges, parallel=1)
    d = wait_tuning(sm, name)
    assert d["HyperParameterTuningJobStatus"] == "Failed"
    assert "No training job succeeded" in d["FailureReason"]
    assert "BestTrainingJob" not in d


@pytest.mark.timeout(200)
def test_stop_stops_the_running_children(sm, bucket):
    name = create(sm, bucket, "Random", KNOWN_RANGES, max_jobs=6, parallel=2,
                  static={"sleep": "60"})
    deadline = time.monotonic() + 60
    while True:
        kids = children(sm, name)
        if len(kids) == 2 and all(
                sm.describe_training_job(TrainingJobName=k["TrainingJobName"])["SecondaryStatus"]
                == "Training" for k in kids):
            break
        assert time.monotonic() < deadline, kids
        time.sleep(0.3)
    sm.stop_hyper_parameter_tuning_job(HyperParameterTuningJobName=name)
    d = wait_tuning(sm, name, timeout=30, until=("Stopping", "Stopped"))
    d = wait_tuning(sm, name, timeout=60)
    assert d["HyperParameterTuningJobStatus"] == "Stopped"
    assert "HyperParameterTuningEndTime" in d
    kids = children(sm, name)
    assert len(kids) == 2
    assert {k["TrainingJobStatus"] for k in kids} == {"Stopped"}
    assert d["TrainingJobStatusCounters"]["Stopped"] == 2
    with pytest.raises(ClientError) as e:
        sm.stop_hyper_parameter_tuning_job(HyperParameterTuningJobName=name)
    assert e.value.response["Error"]["Code"] == "ValidationException"


@pytest.mark.timeout(300)
def test_hyperband_stops_children_at_rungs(sm, bucket, tuner):
    name = create(sm, bucket, "Hyperband", KNOWN_RANGES, max_jobs=9, parallel=3, seed=5,
                  static={"epochs": "9", "sleep": "0.3"},
                  StrategyConfig={"HyperbandStrategyConfig": {"MinResource": 1, "MaxResource": 9}})
    d = wait_tuning(sm, name)
    assert d["HyperParameterTuningJobStatus"] == "Completed", d.get("FailureReason")
    kids = children(sm, name)
    assert len(kids) == 9
    stopped = [k for k in kids if k["TrainingJobStatus"] == "Stopped"]
    assert stopped, [k["TrainingJobStatus"] for k in kids]
    logs = tuner.client("logs")
    for k in stopped:
        streams = logs.describe_log_streams(logGroupName="/aws/sagemaker/TrainingJobs",
                                            logStreamNamePrefix=k["TrainingJobName"] + "/")
        lines = []
        for s in streams["logStreams"]:
            lines += [e["message"] for e in logs.get_log_events(
                logGroupName="/aws/sagemaker/TrainingJobs",
                logStreamName=s["logStreamName"])["events"]]
        epochs = [m for m in lines if "objective=" in m]
        assert 1 <= len(epochs) < 9, (k["TrainingJobName"], epochs)
        # An early-stopped child still reports its last objective.
        assert k["ObjectiveStatus"] == "Succeeded"
    assert d["BestTrainingJob"]["TrainingJobStatus"] == "Completed"


@pytest.mark.timeout(200)
def test_warm_start_reads_the_parents_children(sm, bucket):
    parent = create(sm, bucket, "Random", KNOWN_RANGES, max_jobs=4, parallel=2, seed=3)
    p = wait_tuning(sm, parent)
    child = create(sm, bucket, "Bayesian", KNOWN_RANGES, max_jobs=2, parallel=1, seed=4,
                   request={"WarmStartConfig": {
                       "ParentHyperParameterTuningJobs": [{"HyperParameterTuningJobName": parent}],
                       "WarmStartType": "IdenticalDataAndAlgorithm"}})
    d = wait_tuning(sm, child)
    assert d["HyperParameterTuningJobStatus"] == "Completed"
    overall = d["OverallBestTrainingJob"]["FinalHyperParameterTuningJobObjectiveMetric"]["Value"]
    parent_best = p["BestTrainingJob"]["FinalHyperParameterTuningJobObjectiveMetric"]["Value"]
    assert overall >= parent_best
    assert d["TrainingJobStatusCounters"]["Completed"] == 2


@pytest.mark.timeout(200)
def test_target_objective_completes_early(sm, bucket):
    name = create(sm, bucket, "Random", KNOWN_RANGES, max_jobs=30, parallel=1, seed=8,
                  TuningJobCompletionCriteria={"TargetObjectiveMetricValue": -5.0})
    d = wait_tuning(sm, name)
    assert d["HyperParameterTuningJobStatus"] == "Completed"
    assert d["TrainingJobStatusCounters"]["Completed"] < 30
    assert d["BestTrainingJob"]["FinalHyperParameterTuningJobObjectiveMetric"]["Value"] >= -5.0


@pytest.mark.timeout(200)
def test_several_training_job_definitions_take_turns(sm, bucket):
    def named(dn, objective_type, ranges):
        d = definition(bucket)
        d.update(DefinitionName=dn, HyperParameterRanges=ranges,
                 TuningObjective={"Type": objective_type, "MetricName": "objective"})
        return d

    name = uniq("tune-multi")
    sm.create_hyper_parameter_tuning_job(
        HyperParameterTuningJobName=name,
        HyperParameterTuningJobConfig={
            "Strategy": "Random", "RandomSeed": 2,
            "ResourceLimits": {"MaxNumberOfTrainingJobs": 4, "MaxParallelTrainingJobs": 2}},
        TrainingJobDefinitions=[
            named("alpha", "Maximize", KNOWN_RANGES),
            named("beta", "Maximize", {"IntegerParameterRanges": [
                {"Name": "n", "MinValue": "1", "MaxValue": "5"}]})])
    d = wait_tuning(sm, name)
    assert d["HyperParameterTuningJobStatus"] == "Completed", d.get("FailureReason")
    kids = children(sm, name)
    assert [k["TrainingJobDefinitionName"] for k in kids] == ["alpha", "beta", "alpha", "beta"]
    for k in kids:
        tuned = set(k["TunedHyperParameters"])
        assert tuned == ({"x", "y"} if k["TrainingJobDefinitionName"] == "alpha" else {"n"}), k


@pytest.mark.timeout(300)
def test_early_stopping_auto_stops_children_by_the_median_rule(sm, bucket):
    name = create(sm, bucket, "Random", KNOWN_RANGES, max_jobs=12, parallel=3, seed=21,
                  static={"epochs": "6", "sleep": "0.2"}, TrainingJobEarlyStoppingType="Auto")
    d = wait_tuning(sm, name)
    assert d["HyperParameterTuningJobStatus"] == "Completed", d.get("FailureReason")
    assert d["HyperParameterTuningJobConfig"]["TrainingJobEarlyStoppingType"] == "Auto"
    kids = children(sm, name)
    assert len(kids) == 12
    stopped = [k for k in kids if k["TrainingJobStatus"] == "Stopped"]
    assert stopped, [k["TrainingJobStatus"] for k in kids]
    assert d["TrainingJobStatusCounters"]["Stopped"] == len(stopped)
    # The first three have nobody to compare with: they run to the end.
    assert all(k["TrainingJobStatus"] == "Completed" for k in kids[:3])


@pytest.mark.timeout(120)
def test_daemon_killed_mid_tuning_leaves_it_failed(start_daemon, tmp_path):
    prog = tmp_path / "objective_trainer.py"
    prog.write_text(TRAINER)
    prog.chmod(0o755)
    rmap = write_runtime_map(tmp_path / "runtimes.conf", {"local/objective-trainer:*": prog})
    d = start_daemon("--executor", "host", "--runtime-map", str(rmap),
                     "--python", "/usr/bin/python3")
    sm, s3 = d.client("sagemaker"), d.client("s3")
    b = uniq("tuning-restart")
    s3.create_bucket(Bucket=b)
    s3.put_object(Bucket=b, Key="data/train/train.csv", Body=b"0,1\n")
    name = create(sm, b, "Random", KNOWN_RANGES, max_jobs=4, parallel=1,
                  static={"sleep": "600"})
    deadline = time.monotonic() + 30
    while not children(sm, name):
        assert time.monotonic() < deadline
        time.sleep(0.2)
    d.restart(kill9=True)
    sm = d.client("sagemaker")
    desc = sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=name)
    assert desc["HyperParameterTuningJobStatus"] == "Failed"
    assert "sagelite stopped while the tuning job was running" in desc["FailureReason"]
    assert {k["TrainingJobStatus"] for k in children(sm, name)} == {"Failed"}


@pytest.mark.timeout(200)
def test_best_objective_not_improving_completes_the_job(sm, bucket):
    name = create(sm, bucket, "Random", KNOWN_RANGES, max_jobs=40, parallel=1, seed=9,
                  TuningJobCompletionCriteria={
                      "BestObjectiveNotImproving": {"MaxNumberOfTrainingJobsNotImproving": 3}})
    d = wait_tuning(sm, name)
    assert d["HyperParameterTuningJobStatus"] == "Completed"
    done = d["TrainingJobStatusCounters"]["Completed"]
    assert done < 40
    assert d["TuningJobCompletionDetails"]["NumberOfTrainingJobsObjectiveNotImproving"] == 3
    # The last three did not beat the best before them.
    kids = children(sm, name)
    values = [k["FinalHyperParameterTuningJobObjectiveMetric"]["Value"] for k in kids]
    assert max(values[-3:]) <= max(values[:-3])


# ---- bad input ----------------------------------------------------------------

def create_error(sm, bucket, ranges, strategy="Random", static=None, metrics=METRICS, **config):
    cfg = {"Strategy": strategy,
           "ResourceLimits": {"MaxNumberOfTrainingJobs": 2, "MaxParallelTrainingJobs": 1},
           "ParameterRanges": ranges,
           "HyperParameterTuningJobObjective": {"Type": "Maximize", "MetricName": "objective"}}
    cfg.update(config)
    with pytest.raises(ClientError) as e:
        sm.create_hyper_parameter_tuning_job(HyperParameterTuningJobName=uniq("bad"),
                                             HyperParameterTuningJobConfig=cfg,
                                             TrainingJobDefinition=definition(bucket, static,
                                                                              metrics))
    assert e.value.response["Error"]["Code"] == "ValidationException"
    return e.value.response["Error"]["Message"]


def test_bad_input_answers_validation_exceptions(sm, bucket):
    msg = create_error(sm, bucket, {"ContinuousParameterRanges": [
        {"Name": "x", "MinValue": "2", "MaxValue": "1"}]})
    assert "must be less than or equal to its MaxValue" in msg
    msg = create_error(sm, bucket, KNOWN_RANGES, static={"x": "0.5"})
    assert "specified both as a static hyperparameter and as a tunable" in msg
    msg = create_error(sm, bucket, KNOWN_RANGES, metrics=[])
    assert msg == ("A metric is required for this hyperparameter tuning job objective. "
                   "Provide a metric in the metric definitions.")
    many = {"ContinuousParameterRanges": [
        {"Name": f"p{i}", "MinValue": "0", "MaxValue": "1"} for i in range(16)],
        "IntegerParameterRanges": [
        {"Name": f"q{i}", "MinValue": "0", "MaxValue": "1"} for i in range(15)]}
    assert "exceeds the maximum of 30" in create_error(sm, bucket, many)
    assert "Grid" in create_error(sm, bucket, KNOWN_RANGES, strategy="Grid")
    msg = create_error(sm, bucket, {"ContinuousParameterRanges": [
        {"Name": "x", "MinValue": "0", "MaxValue": "1", "ScalingType": "Logarithmic"}]})
    assert "logarithmic scaling requires a MinValue greater than 0" in msg
    assert "MaxResource" in create_error(sm, bucket, KNOWN_RANGES, strategy="Hyperband")
    msg = create_error(sm, bucket, {"IntegerParameterRanges": [
        {"Name": "n", "MinValue": "1", "MaxValue": "1"}]})
    assert msg == ("You don't have enough combinations of hyperparameter ranges. The total number"
                   " of hyperparameter combinations for the provided ranges [1.0] must be equal"
                   " or greater than the value of MaxNumberOfJobs, [2]. Provide additional"
                   " ranges.")


# ---- SDK v2: the fraud lab's tuner on the built-in XGBoost ------------------------

@pytest.mark.timeout(600)
@pytest.mark.skipif(not XGB_PROGRAM.exists(),
                    reason=f"{XGB_PROGRAM} not built (configured without libxgboost)")
def test_sdk_v2_fraud_lab_tuner_on_builtin_xgboost(tuner):
    assert SDK2_PYTHON.exists(), f"{SDK2_PYTHON} missing: run scripts/install-deps.sh --test"
    env = env_from_sagelite(tuner)
    env["SAGEMAKER_SUPPRESS_V2_WARNING"] = "1"
    proc = subprocess.run([str(SDK2_PYTHON), str(REPO / "tests/sdk/tuning_fraud.py"),
                           uniq("fraud-xgb")], env=env, capture_output=True, text=True,
                          timeout=540)
    assert proc.returncode == 0, proc.stderr[-4000:]
    r = json.loads(proc.stdout.strip().splitlines()[-1])
    assert r["error"] is None, r["error"] + "\n" + proc.stderr[-4000:]
    assert r["version"].startswith("2.")
    assert r["blocked"] == [], r["blocked"]
    assert r["status"] == "Completed"
    assert r["counters"]["Completed"] == 9, r["counters"]
    assert r["best"] and r["best"].startswith(r["tuning_job"] + "-")
    assert r["attached_best"] == r["best"]
    assert r["attached_max_jobs"] == 9
    assert 0.5 < r["best_auc"] <= 1.0
    assert len(r["predictions"]) == 5 and all(0 <= p <= 1 for p in r["predictions"])
    sm = tuner.client("sagemaker")
    kids = children(sm, r["tuning_job"])
    assert len(kids) == 9
    for k in kids:
        assert set(k["TunedHyperParameters"]) == {"eta", "min_child_weight", "alpha", "max_depth"}
        assert k["FinalHyperParameterTuningJobObjectiveMetric"]["MetricName"] == "validation:auc"
    descs = [sm.describe_training_job(TrainingJobName=k["TrainingJobName"]) for k in kids]
    assert max_overlap(descs) <= 3
    assert all(d["HyperParameters"]["_tuning_objective_metric"] == "validation:auc" for d in descs)
