"""transform.py — the body of bench/transform.sh: batch transform
throughput (jobs/transform.c) with the built-in XGBoost.

A seeded synthetic regression set (13 features like Boston, 5,000 rows to
train on, --rows rows to transform, CSV without labels, ~100 MB for a
million rows) is uploaded to a fresh sagelite (`--executor host`); the
built-in XGBoost (sagemaker-xgboost:1.7-1, num_round 100, max_depth 6)
trains on it; then --runs transform jobs per MaxConcurrentTransforms
setting (1 and 2) run over the test object with SplitType Line,
MultiRecord, MaxPayloadInMB 6, text/csv.  Measured: CreateTransformJob →
Completed seen (polled every 20 ms), so the rows/s include starting the
serving process, reading the object, CSV both ways, and storing the .out.

The peer: raw libxgboost predict — Debian's python3 loads the same
xgboost-model and times Booster.inplace_predict (nthread 2) on the same
rows already in memory as float32 (median of 3).  Issue 6's target: batch
transform ≥ 80 % of raw predict throughput."""
import argparse
import io
import json
import statistics
import subprocess
import tarfile
import tempfile
import time

from benchlib import ROLE, Sagelite, log, not_in_progress, wait_status

IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"
BUCKET = "transform-bench"
SYS_PYTHON = "/usr/bin/python3"

GEN_PY = r'''
import sys, numpy as np
n, out = int(sys.argv[1]), sys.argv[2]
rng = np.random.default_rng(1)
x = rng.normal(size=(n, 13)).astype(np.float32)
y = x[:, 0] * 3 - x[:, 5] * 2 + rng.normal(size=n) * 0.1
np.savetxt(out + "/train.csv", np.column_stack([y[:5000], x[:5000]]), delimiter=",", fmt="%.5g")
np.savetxt(out + "/test.csv", x, delimiter=",", fmt="%.5g")
'''

RAW_PY = r'''
import sys, time, numpy as np, xgboost as xgb
b = xgb.Booster(); b.load_model(sys.argv[1]); b.set_param({"nthread": 2})
x = np.loadtxt(sys.argv[2], delimiter=",", dtype=np.float32)
ts = []
for _ in range(3):
    t = time.perf_counter(); b.inplace_predict(x); ts.append(time.perf_counter() - t)
print(sorted(ts)[1])
'''


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sagelite", required=True)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="transform-bench-")
    log(f"generating {a.rows} rows")
    subprocess.run([SYS_PYTHON, "-c", GEN_PY, str(a.rows), tmp], check=True)
    sl = Sagelite(a.sagelite, tmp, SYS_PYTHON)
    try:
        sm, s3 = sl.client("sagemaker"), sl.client("s3")
        s3.create_bucket(Bucket=BUCKET)
        s3.upload_file(f"{tmp}/train.csv", BUCKET, "train/train.csv")
        s3.upload_file(f"{tmp}/test.csv", BUCKET, "test/test.csv")
        sm.create_training_job(
            TrainingJobName="bench-train", RoleArn=ROLE,
            HyperParameters={"num_round": "100", "max_depth": "6", "objective": "reg:squarederror"},
            AlgorithmSpecification={"TrainingImage": IMAGE, "TrainingInputMode": "File"},
            InputDataConfig=[{"ChannelName": "train", "ContentType": "text/csv", "DataSource": {"S3DataSource": {
                "S3DataType": "S3Prefix", "S3Uri": f"s3://{BUCKET}/train/"}}}],
            OutputDataConfig={"S3OutputPath": f"s3://{BUCKET}/model"},
            ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 1},
            StoppingCondition={"MaxRuntimeInSeconds": 600})
        t, _ = wait_status(lambda: sm.describe_training_job(TrainingJobName="bench-train"),
                           "TrainingJobStatus", not_in_progress, poll=0.1)
        assert t["TrainingJobStatus"] == "Completed", t.get("FailureReason")
        art = t["ModelArtifacts"]["S3ModelArtifacts"]
        sm.create_model(ModelName="bench-model", ExecutionRoleArn=ROLE,
                        PrimaryContainer={"Image": IMAGE, "ModelDataUrl": art})
        results = {}
        for mct in (1, 2):
            times = []
            for r in range(a.runs):
                name = f"bench-{mct}-{r}"
                t0 = time.monotonic()
                sm.create_transform_job(
                    TransformJobName=name, ModelName="bench-model", MaxConcurrentTransforms=mct,
                    MaxPayloadInMB=6, BatchStrategy="MultiRecord",
                    TransformInput={"DataSource": {"S3DataSource": {"S3DataType": "S3Prefix",
                                                                    "S3Uri": f"s3://{BUCKET}/test/"}},
                                    "ContentType": "text/csv", "SplitType": "Line"},
                    TransformOutput={"S3OutputPath": f"s3://{BUCKET}/{name}"},
                    TransformResources={"InstanceType": "ml.m5.large", "InstanceCount": 1})
                d, _ = wait_status(lambda: sm.describe_transform_job(TransformJobName=name),
                                   "TransformJobStatus", not_in_progress, poll=0.02)
                times.append(time.monotonic() - t0)
                assert d["TransformJobStatus"] == "Completed", d.get("FailureReason")
                body = s3.get_object(Bucket=BUCKET, Key=f"{name}/test.csv.out")["Body"].read()
                assert body.count(b"\n") == a.rows, body.count(b"\n")
                log(f"MaxConcurrentTransforms={mct} run {r}: {times[-1]:.2f} s")
            results[mct] = statistics.median(times)
        key = art.split("/", 3)[3]
        with tarfile.open(fileobj=io.BytesIO(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())) as tar:
            with open(f"{tmp}/xgboost-model", "wb") as f:
                f.write(tar.extractfile("xgboost-model").read())
    finally:
        sl.stop()
    p = subprocess.run([SYS_PYTHON, "-c", RAW_PY, f"{tmp}/xgboost-model", f"{tmp}/test.csv"],
                       capture_output=True, text=True, cwd=tmp)  # not bench/: it has an xgboost.py
    if p.returncode != 0:
        raise SystemExit("raw predict failed: " + p.stderr[-2000:])
    raw = float(p.stdout)
    raw_rps = a.rows / raw
    print(f"| metric ({a.rows} rows, median of {a.runs}) | value | vs raw predict |")
    print("| --- | --- | --- |")
    for mct, secs in results.items():
        rps = a.rows / secs
        print(f"| transform job, MaxConcurrentTransforms={mct}: create → Completed | {secs:.2f} s, "
              f"{rps:,.0f} rows/s | {rps / raw_rps:.2f}× |")
    print(f"| raw libxgboost inplace_predict (Python, nthread 2, float32 in memory) | {raw:.2f} s, "
          f"{raw_rps:,.0f} rows/s | 1.00× |")
    print(json.dumps({"rows": a.rows, "transform_s": results, "raw_s": raw}))


if __name__ == "__main__":
    main()
