"""jobs.py — the body of bench/jobs.sh: how fast a training job really runs
under sagelite's host executor.

A user-mapped image (--runtime-map) runs a tiny shell script as the job's
entry point.  The script prints the wall-clock time (`date +%s.%N`) as its
first line, optionally writes a model into $SM_MODEL_DIR, and prints the
time again as its last line before `exit 0`.  The client notes its own wall
clock just before CreateTrainingJob and polls DescribeTrainingJob (boto3)
every 5 ms until Completed; afterwards it reads the two timestamps back from
the job's CloudWatch log (GetLogEvents).  Client, daemon and script share one
host clock, so:

  (a) create -> entry point's first line  = first-line stamp - client create time
  (b) entry point's exit -> Completed      = client's first Completed poll - exit stamp
                                             (and TrainingEndTime - exit stamp, the
                                             daemon's own record)
  (c) end to end                            = first Completed poll - client create time

Issue targets: (a) < 100 ms, (b) < 200 ms with a 1 MB model, (c) < 1 s for
a no-op job.  Two series of N jobs each: a no-op script (empty model dir)
and the same script writing 1 MB of random bytes (incompressible, as model
weights mostly are) to $SM_MODEL_DIR; one unmeasured job first.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import time

import benchlib
from benchlib import ROLE, ROOT, loadavg, log, stop_process

BUCKET = "jobs-bench"
LOG_GROUP = "/aws/sagemaker/TrainingJobs"

SCRIPT = """#!/bin/sh
# The benchmark's "container": sagelite runs it as `noop.sh train`.
echo "first-line $(date +%s.%N)"
if [ "${BENCH_MODEL_BYTES:-0}" -gt 0 ]; then
	head -c "$BENCH_MODEL_BYTES" /dev/urandom >"${SM_MODEL_DIR:-/opt/ml/model}/model.bin"
fi
echo "exit-at $(date +%s.%N)"
exit 0
"""


def start_sagelite(tmp, rmap, extra):
    proc, port, errf = benchlib.start_daemon(SAGELITE, tmp, "slbench-jobsd",
                                             ["--executor", "host", "--runtime-map", rmap, *extra])
    return proc, port, errf.name


def clients(port):
    return tuple(benchlib.client(port, svc) for svc in ("sagemaker", "s3", "logs"))


def log_lines(logs, job):
    out = []
    streams = logs.describe_log_streams(logGroupName=LOG_GROUP,
                                        logStreamNamePrefix=job + "/")["logStreams"]
    for st in streams:
        token = None
        while True:
            kw = {"nextToken": token} if token else {"startFromHead": True}
            page = logs.get_log_events(logGroupName=LOG_GROUP,
                                       logStreamName=st["logStreamName"], **kw)
            out.extend(e["message"] for e in page["events"])
            if page["nextForwardToken"] == token:
                break
            token = page["nextForwardToken"]
    return out


def run_job(sm, s3, logs, name, model_bytes, poll=0.005):
    """One job; returns the measured intervals in ms."""
    kw = dict(
        TrainingJobName=name, RoleArn=ROLE,
        AlgorithmSpecification={"TrainingImage": "local/noop-trainer:1",
                                "TrainingInputMode": "File"},
        OutputDataConfig={"S3OutputPath": f"s3://{BUCKET}/output"},
        ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 5},
        StoppingCondition={"MaxRuntimeInSeconds": 60},
        Environment={"BENCH_MODEL_BYTES": str(model_bytes)})
    t_create = time.time()
    sm.create_training_job(**kw)
    t_created = time.time()
    polls = 0
    while True:
        d = sm.describe_training_job(TrainingJobName=name)
        polls += 1
        if d["TrainingJobStatus"] != "InProgress":
            t_done = time.time()
            break
        if time.time() - t_create > 60:
            raise RuntimeError(f"{name} still InProgress after 60 s")
        time.sleep(poll)
    if d["TrainingJobStatus"] != "Completed":
        raise RuntimeError(f"{name}: {d['TrainingJobStatus']}: {d.get('FailureReason')}")
    lines = log_lines(logs, name)
    first = [l for l in lines if l.startswith("first-line ")]
    last = [l for l in lines if l.startswith("exit-at ")]
    if not first or not last:
        raise RuntimeError(f"{name}: stamps missing from the log: {lines[:20]}")
    t_first, t_exit = float(first[0].split()[1]), float(last[0].split()[1])
    end = d.get("TrainingEndTime")
    art = d["ModelArtifacts"]["S3ModelArtifacts"]
    key = art.split("/", 3)[3]
    size = s3.head_object(Bucket=BUCKET, Key=key)["ContentLength"]
    return {
        "start": (t_first - t_create) * 1e3,
        "exit_done": (t_done - t_exit) * 1e3,
        "exit_end": (end.timestamp() - t_exit) * 1e3 if end else None,
        "e2e": (t_done - t_create) * 1e3,
        "create_call": (t_created - t_create) * 1e3,
        "script": (t_exit - t_first) * 1e3,
        "polls": polls,
        "artifact": size,
    }


def stats(vals):
    vals = [v for v in vals if v is not None]
    return statistics.median(vals), min(vals), max(vals)


def fmt3(vals):
    med, lo, hi = stats(vals)
    return f"{med:.1f} (min {lo:.1f}, max {hi:.1f})"


def main():
    global SAGELITE
    ap = argparse.ArgumentParser()
    ap.add_argument("--sagelite", default=os.path.join(ROOT, "build", "release", "sagelite"))
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--model-bytes", type=int, default=1 << 20)
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--isolation", help="passed to sagelite serve (default: its own, auto)")
    cfg = ap.parse_args()
    SAGELITE = cfg.sagelite

    tmp = tempfile.mkdtemp(prefix="sl-bench-jobs-")
    ctr, _, rmap = benchlib.runtime_dir("jobs-bench-ctr-", "noop.sh", SCRIPT, "local/noop-trainer:*")
    ver = subprocess.run([SAGELITE, "version"], capture_output=True, text=True).stdout.strip()
    load0 = loadavg()
    log(f"jobs bench: {SAGELITE} ({ver}), --executor host, {os.cpu_count()} CPUs, "
        f"{cfg.runs} jobs per series, load average at start {load0}; work dir {tmp}")
    t_start = time.monotonic()
    proc, port, errlog = start_sagelite(tmp, rmap,
                                        ["--isolation", cfg.isolation] if cfg.isolation else [])
    series = {}
    try:
        sm, s3, logs = clients(port)
        s3.create_bucket(Bucket=BUCKET)
        w = run_job(sm, s3, logs, "warmup-0", 0)
        log(f"  unmeasured first job: create->first line {w['start']:.1f} ms, end to end "
            f"{w['e2e']:.1f} ms")
        for label, nbytes in (("no-op", 0), (f"{cfg.model_bytes >> 20} MB model", cfg.model_bytes)):
            rs = []
            for i in range(cfg.runs):
                r = run_job(sm, s3, logs, f"{'noop' if not nbytes else 'model'}-{i}", nbytes)
                rs.append(r)
                log(f"  [{label}] #{i}: create->first line {r['start']:.1f} ms, exit->Completed "
                    f"seen {r['exit_done']:.1f} ms (TrainingEndTime {r['exit_end']:.1f} ms), "
                    f"end to end {r['e2e']:.1f} ms; CreateTrainingJob call {r['create_call']:.1f} "
                    f"ms, script ran {r['script']:.1f} ms, {r['polls']} polls, model.tar.gz "
                    f"{r['artifact']:,} bytes")
            series[label] = rs
    finally:
        stop_process(proc)
        if not cfg.keep:
            shutil.rmtree(tmp, ignore_errors=True)
            shutil.rmtree(ctr, ignore_errors=True)
        else:
            log(f"kept {tmp} and {ctr} (daemon log {errlog})")
    load1 = loadavg()
    wall = time.monotonic() - t_start
    noop, model = list(series.values())
    mlabel = list(series)[1]

    def met(vals, limit):
        return "yes" if stats(vals)[0] < limit else "NO"

    rows = [
        ("(a) CreateTrainingJob -> entry point's first line, no-op job", fmt3([r["start"] for r in noop]),
         "< 100 ms", met([r["start"] for r in noop], 100)),
        (f"(a) same, {mlabel} job", fmt3([r["start"] for r in model]), "< 100 ms",
         met([r["start"] for r in model], 100)),
        (f"(b) entry point exit -> Completed seen by a 5 ms poll, {mlabel}",
         fmt3([r["exit_done"] for r in model]), "< 200 ms", met([r["exit_done"] for r in model], 200)),
        (f"(b) entry point exit -> TrainingEndTime, {mlabel}",
         fmt3([r["exit_end"] for r in model]), "< 200 ms", met([r["exit_end"] for r in model], 200)),
        ("(b) entry point exit -> Completed seen, no-op (empty model)",
         fmt3([r["exit_done"] for r in noop]), "", ""),
        ("(c) no-op job end to end (create -> Completed seen)", fmt3([r["e2e"] for r in noop]),
         "< 1 s", met([r["e2e"] for r in noop], 1000)),
        (f"(c) {mlabel} job end to end", fmt3([r["e2e"] for r in model]), "", ""),
        ("CreateTrainingJob call itself (boto3 round trip)",
         fmt3([r["create_call"] for r in noop + model]), "", ""),
    ]
    print()
    iso = f", --isolation {cfg.isolation}" if cfg.isolation else ""
    print(f"Training jobs, host executor{iso}: sagelite {ver} ({os.cpu_count()} CPUs; load average "
          f"{load0} at start, {load1} at end; {wall:.0f} s); {cfg.runs} jobs per series, "
          f"ms, median (min, max)")
    print()
    print("| metric | sagelite (ms) | target | met |")
    print("| --- | --- | --- | --- |")
    for r in rows:
        print("| " + " | ".join(r) + " |")
    print()
    print("Alternatives, quoted figures (not measured here):")
    print("  AWS SageMaker: ~2 min 40 s from CreateTrainingJob to the script starting "
          "(instance provisioning + image download).")
    print("  SageMaker Python SDK local mode: tens of seconds of docker start / image pull "
          "before the script runs.")
    print("  moto: does not run training jobs (CreateTrainingJob only records them).")


if __name__ == "__main__":
    main()
