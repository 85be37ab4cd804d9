"""bench/cloudwatch.py — what publishing training metrics to CloudWatch
costs, and how fast they read back.

    SAGELITE_BIN=build/release/sagelite .venv/bin/python bench/cloudwatch.py [LINES]

Starts a daemon (--executor host) in a temporary directory and runs a
script-mode job printing LINES (default 20000) metric lines, three times
each: without MetricDefinitions, with one definition matching no line (the
regex's own cost) and with one matching every line (each match is two
datapoints: TrainingJobName and Host); it prints the best
create-to-Completed time of each; then the median latency
of GetMetricStatistics over the LINES datapoints (Period 60, Average and
SampleCount, as TrainingJobAnalytics asks) and of ListMetrics.  AWS
publishes no latency figures for these calls; the comparison that matters
is the job's time with and without metric definitions."""
import datetime as dt
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "integration"))
from conftest import Daemon  # noqa: E402
from test_training import script_job, wait_job  # noqa: E402

IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"


def median_ms(fn, n=21):
    ts = []
    for _ in range(n):
        t = time.monotonic()
        fn()
        ts.append(time.monotonic() - t)
    return round(sorted(ts)[n // 2] * 1000, 2)


def main():
    lines = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    script = ("for i in range(%d):\n    print('step=%%d loss=%%.6f;' %% (i, 1 / (i + 1)))\n"
              % lines)
    with tempfile.TemporaryDirectory() as tmp:
        d = Daemon(Path(tmp) / "data", Path(tmp) / "err.log",
                   args=["--executor", "host", "--python", "/usr/bin/python3"]).start()
        try:
            sm, s3, cw = d.client("sagemaker"), d.client("s3"), d.client("cloudwatch")
            s3.create_bucket(Bucket="bench-cw")
            s3.put_object(Bucket="bench-cw", Key="data/train/x.csv", Body=b"1\n")
            best = {}
            for label, defs in (("without", []),
                                ("nomatch", [{"Name": "loss", "Regex": r"lost=(.*?);"}]),
                                ("with", [{"Name": "loss", "Regex": r"loss=(.*?);"}])):
                times = []
                for rep in range(3):
                    job = f"bench-{label}-{rep}"
                    t = time.monotonic()
                    script_job(sm, s3, "bench-cw", job, script=script, AlgorithmSpecification={
                        "TrainingImage": IMAGE, "TrainingInputMode": "File",
                        "MetricDefinitions": defs})
                    desc = wait_job(sm, job, timeout=600)
                    times.append(time.monotonic() - t)
                    assert desc["TrainingJobStatus"] == "Completed", desc.get("FailureReason")
                best[label] = min(times)
            desc = sm.describe_training_job(TrainingJobName="bench-with-0")
            q = dict(Namespace="/aws/sagemaker/TrainingJobs", MetricName="loss",
                     Dimensions=[{"Name": "TrainingJobName", "Value": "bench-with-0"}],
                     StartTime=desc["TrainingStartTime"] - dt.timedelta(minutes=1),
                     EndTime=desc["TrainingEndTime"] + dt.timedelta(minutes=1), Period=60,
                     Statistics=["Average", "SampleCount"])
            got = sum(p["SampleCount"] for p in cw.get_metric_statistics(**q)["Datapoints"])
            assert got == lines, got
            print(json.dumps({
                "lines": lines,
                "job_s_without_definitions": round(best["without"], 3),
                "job_s_with_a_definition_matching_nothing": round(best["nomatch"], 3),
                "job_s_with_definitions": round(best["with"], 3),
                "ratio_with_over_without": round(best["with"] / best["without"], 2),
                "get_metric_statistics_ms": median_ms(lambda: cw.get_metric_statistics(**q)),
                "list_metrics_ms": median_ms(
                    lambda: cw.list_metrics(Namespace="/aws/sagemaker/TrainingJobs")),
            }))
        finally:
            d.stop()


if __name__ == "__main__":
    main()
