"""tuning.py — the body of bench/tuning.sh: hyperparameter tuning jobs under
sagelite's host executor.

The children run a user-mapped "container" (--runtime-map): a tiny Python
program that reads hyperparameters.json and prints `objective=<value>` for
-(x-0.3)^2-(log10(y)+2)^2, x Continuous Linear [0, 1], y Continuous
Logarithmic [1e-4, 1] (optimum 0 at x = 0.3, y = 0.01).

(1) Overhead.  A tuning job with MaxParallelTrainingJobs 1 runs its children
    one after another, so every gap between one child's end (its Completed
    move, DescribeTrainingJob's LastModifiedTime) and the next child's
    CreationTime is the tuning loop's own time: noticing the end, reading
    the objective, proposing the next point (for Bayesian: fitting the
    Gaussian process and maximising expected improvement) and storing the
    new child.  Also the tuning job's whole wall time less the sum of its
    children's lifetimes (create → Completed), per child.  Target < 100 ms.

(2) Search quality.  For each of N seeds, one Random and one Bayesian job of
    J children (MaxParallelTrainingJobs 1, RandomSeed = seed); the best
    objective among the first 10 and the first J children (by child number).
    Medians over the seeds; "gap" = distance to the optimum, and the ratio
    Random gap / Bayesian gap.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import time

import benchlib
from benchlib import ROLE, ROOT, loadavg, log, not_in_progress, wait_status

BUCKET = "tuning-bench"

TRAINER = r'''#!/usr/bin/python3
import json, math, os
base = os.environ.get("SAGEMAKER_BASE_DIR", "/opt/ml")
hp = json.load(open(os.path.join(base, "input/config/hyperparameters.json")))
x, y = float(hp["x"]), float(hp["y"])
print(f"objective={-(x - 0.3) ** 2 - (math.log10(y) + 2) ** 2:.10f}", flush=True)
'''

RANGES = {"ContinuousParameterRanges": [
    {"Name": "x", "MinValue": "0", "MaxValue": "1", "ScalingType": "Linear"},
    {"Name": "y", "MinValue": "0.0001", "MaxValue": "1", "ScalingType": "Logarithmic"}]}


def start_sagelite(tmp, rmap):
    proc, port, _ = benchlib.start_daemon(SAGELITE, tmp, "slbench-tuningd",
                                          ["--executor", "host", "--runtime-map", rmap])
    return proc, port


def tuning_job(sm, name, strategy, jobs, seed):
    sm.create_hyper_parameter_tuning_job(
        HyperParameterTuningJobName=name,
        HyperParameterTuningJobConfig={
            "Strategy": strategy, "RandomSeed": seed, "ParameterRanges": RANGES,
            "ResourceLimits": {"MaxNumberOfTrainingJobs": jobs, "MaxParallelTrainingJobs": 1},
            "HyperParameterTuningJobObjective": {"Type": "Maximize", "MetricName": "objective"}},
        TrainingJobDefinition={
            "AlgorithmSpecification": {
                "TrainingImage": "local/objective-trainer:1", "TrainingInputMode": "File",
                "MetricDefinitions": [{"Name": "objective", "Regex": "objective=([-0-9.eE+]+)"}]},
            "RoleArn": ROLE,
            "OutputDataConfig": {"S3OutputPath": f"s3://{BUCKET}/output"},
            "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1,
                               "VolumeSizeInGB": 1},
            "StoppingCondition": {"MaxRuntimeInSeconds": 60}})
    d, _ = wait_status(
        lambda: sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=name),
        "HyperParameterTuningJobStatus", not_in_progress)
    if d["HyperParameterTuningJobStatus"] != "Completed":
        raise RuntimeError(f"{name}: {d['HyperParameterTuningJobStatus']} {d.get('FailureReason')}")
    kids, token = [], None
    while True:
        kw = {"NextToken": token} if token else {}
        page = sm.list_training_jobs_for_hyper_parameter_tuning_job(
            HyperParameterTuningJobName=name, MaxResults=100, **kw)
        kids += page["TrainingJobSummaries"]
        token = page.get("NextToken")
        if not token:
            break
    kids.sort(key=lambda k: k["TrainingJobName"])
    return d, kids


def overhead(sm, strategy, jobs):
    d, kids = tuning_job(sm, f"ovh-{strategy.lower()}-{int(time.time())}", strategy, jobs, 1)
    descs = [sm.describe_training_job(TrainingJobName=k["TrainingJobName"]) for k in kids]
    gaps = [(descs[i + 1]["CreationTime"] - descs[i]["LastModifiedTime"]).total_seconds() * 1e3
            for i in range(len(descs) - 1)]
    first = (descs[0]["CreationTime"] - d["CreationTime"]).total_seconds() * 1e3
    lifetimes = sum((x["LastModifiedTime"] - x["CreationTime"]).total_seconds() for x in descs)
    wall = (d["HyperParameterTuningEndTime"] - d["CreationTime"]).total_seconds()
    child_run = statistics.median((x["LastModifiedTime"] - x["CreationTime"]).total_seconds() * 1e3
                                  for x in descs)
    return {"gaps": gaps, "first": first, "per_child": (wall - lifetimes) / len(descs) * 1e3,
            "child_run": child_run}


def best_prefix(kids, n):
    vals = [k["FinalHyperParameterTuningJobObjectiveMetric"]["Value"] for k in kids[:n]
            if "FinalHyperParameterTuningJobObjectiveMetric" in k]
    return max(vals)


def main():
    global SAGELITE
    ap = argparse.ArgumentParser()
    ap.add_argument("--sagelite", default=os.path.join(ROOT, "build", "release", "sagelite"))
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--jobs", type=int, default=20)
    ap.add_argument("--overhead-jobs", type=int, default=20)
    cfg = ap.parse_args()
    SAGELITE = cfg.sagelite

    tmp = tempfile.mkdtemp(prefix="sl-bench-tuning-")
    ctr, _, rmap = benchlib.runtime_dir("tuning-bench-ctr-", "objective.py", TRAINER,
                                        "local/objective-trainer:*")
    ver = subprocess.run([SAGELITE, "version"], capture_output=True, text=True).stdout.strip()
    log(f"tuning bench: {SAGELITE} ({ver}), --executor host, {os.cpu_count()} CPUs, "
        f"load average at start {loadavg()}; work dir {tmp}")
    t0 = time.monotonic()
    proc, port = start_sagelite(tmp, rmap)
    try:
        sm, s3 = benchlib.client(port, "sagemaker"), benchlib.client(port, "s3")
        s3.create_bucket(Bucket=BUCKET)
        print(f"## (1) tuning overhead per child, MaxParallelTrainingJobs 1, "
              f"{cfg.overhead_jobs} children (target < 100 ms)\n")
        print("| strategy | child end → next child created, median (min–max) | "
              "tuning wall − children's lifetimes, per child | create → first child | "
              "a child's own run (median) |")
        print("| --- | --- | --- | --- | --- |")
        for strategy in ("Random", "Bayesian"):
            o = overhead(sm, strategy, cfg.overhead_jobs)
            g = o["gaps"]
            print(f"| {strategy} | {statistics.median(g):.1f} ms ({min(g):.1f}–{max(g):.1f}) | "
                  f"{o['per_child']:.1f} ms | {o['first']:.1f} ms | {o['child_run']:.1f} ms |",
                  flush=True)
        print(f"\n## (2) best objective (optimum 0), median over {cfg.seeds} seeds, "
              f"MaxParallelTrainingJobs 1\n")
        results = {"Random": {10: [], cfg.jobs: []}, "Bayesian": {10: [], cfg.jobs: []}}
        for seed in range(1, cfg.seeds + 1):
            for strategy in ("Random", "Bayesian"):
                _, kids = tuning_job(sm, f"q-{strategy.lower()}-{seed}", strategy, cfg.jobs, seed)
                for n in results[strategy]:
                    results[strategy][n].append(best_prefix(kids, n))
            log(f"  seed {seed}: Random {results['Random'][cfg.jobs][-1]:.5f}, "
                f"Bayesian {results['Bayesian'][cfg.jobs][-1]:.5f}")
        print("| after | Random | Bayesian | Random gap / Bayesian gap | Bayesian within 0.01 |")
        print("| --- | --- | --- | --- | --- |")
        for n in (10, cfg.jobs):
            r = statistics.median(results["Random"][n])
            b = statistics.median(results["Bayesian"][n])
            within = sum(v > -0.01 for v in results["Bayesian"][n])
            print(f"| {n} jobs | {r:.5f} | {b:.5f} | {r / b if b else float('inf'):.1f}× | "
                  f"{within}/{cfg.seeds} seeds |")
        print(f"\n{time.monotonic() - t0:.0f} s in all; load average at end {loadavg()}")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(ctr, ignore_errors=True)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
