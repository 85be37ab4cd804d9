"""sagemaker.py — the body of bench/sagemaker.sh: the SageMaker control plane
of sagelite vs moto's server, side by side.

Run through bench/sagemaker.sh, which builds the load generator
(bench/smload.c) and the venv with moto.  Each server is started fresh,
measured alone (the other is not running), and stopped; the load generator
runs on the same machine, so it and the server share the CPUs.

  (a) DescribeTrainingJob of one completed job, 16 keep-alive connections
      (2 load-generator threads), 5 x (1 s warm-up + 5 s); the median
      round is reported; one more round, not counted, runs under perf(1)
      (where it works) to show where the server's CPU goes.  Issue target: >= 5,000 req/s on 2 cores.
  (b) ListTrainingJobs first page, sequential on one connection, with the
      SDK default (no MaxResults: 10 per page on AWS) and MaxResults=100,
      over 10,000 and 100,000 stored jobs (moto: 100,000 only when loading
      them is projected under --moto-budget seconds).  Jobs are loaded with
      CreateTrainingJob over HTTP (smload create, 64 connections); sagelite
      runs --executor test, and the pages are timed once its executor has
      finished the jobs.  Issue target: < 10 ms.
"""
import argparse
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time

import benchlib
from benchlib import ROLE, ROOT, cpu_secs, loadavg, log, parse_kv, rss_mb

IMAGE = "local/noop-trainer:1"
BUCKET = "sm-bench"


def thread_cpu(pid):
    """{thread name: CPU seconds} summed over the threads of pid."""
    out = {}
    tck = os.sysconf("SC_CLK_TCK")
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{tid}/stat") as f:
                    st = f.read()
            except OSError:
                continue
            name = st[st.index("(") + 1:st.rindex(")")]
            fields = st.rsplit(")", 1)[1].split()
            out[name] = out.get(name, 0.0) + (int(fields[11]) + int(fields[12])) / tck
    except OSError:
        pass
    return out


def report_profile(name, snap, res):
    """Where the server's CPU went during a 2 s window of a timed run:
    per thread name (from /proc) and, where perf works, per symbol."""
    t0, t1 = snap.get("threads0", {}), snap.get("threads1", {})
    per = sorted(((t1.get(k, 0) - t0.get(k, 0), k) for k in t1), reverse=True)
    win = sum(v for v, _ in per)
    total = snap.get("proc1", 0) - snap.get("proc0", 0)
    if total > 0 and win >= 0.5 * total:
        log(f"  [{name}]   server CPU over a 2 s window by thread name: " +
            ", ".join(f"{k} {v / 2:.2f} cores" for v, k in per if v > 0) +
            f" (process total {total / 2:.2f})")
        res["threads"] = [(k, v / 2) for v, k in per if v > 0]
    else:
        log(f"  [{name}]   server CPU over a 2 s window: {total / 2:.2f} cores (short-lived "
            f"threads: no per-thread breakdown)")
    sysl = [l.strip() for l in snap.get("sys", "").splitlines() if l.startswith(("%Cpu", "top -"))]
    for l in sysl:
        log(f"  [{name}]   system: {l}")
    prof = []
    for l in snap.get("perf", "").splitlines():
        m = re.match(r"\s*([\d.]+)%\s+(\S+)\s+\[.\]\s+(\S+)", l)
        if m:
            prof.append((float(m.group(1)), m.group(2), m.group(3)))
    if prof:
        log(f"  [{name}]   perf, server process, symbols >= 2% of samples:")
        for pc, dso, sym in prof[:12]:
            log(f"      {pc:5.1f}%  {dso}  {sym}")
        res["perf"] = prof[:12]


class Server(benchlib.Server):
    def client(self, service):
        return benchlib.client(self.port, service)

    def load(self, *args, timeout=None, profile_after=None):
        """Run smload against this server; returns its key=value line as a
        dict, plus the server's CPU seconds (_server_cpu), the load
        generator's (_client_cpu) and the wall time (_wall).  profile_after:
        profile the server for 2 s from that many seconds in."""
        cmd = [LOADGEN, "--port", str(self.port), *map(str, args)]
        t0 = time.monotonic()
        c0 = cpu_secs(self.pid)
        ru0 = os.times()
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        snap = {}
        if profile_after is not None:
            def take():
                time.sleep(profile_after)
                snap["threads0"] = thread_cpu(self.pid)
                snap["proc0"] = cpu_secs(self.pid)
                snap["sys"] = subprocess.run(["top", "-b", "-n1", "-w", "200"],
                                             capture_output=True, text=True).stdout
                if shutil.which("perf"):
                    data = os.path.join(self.tmp, "perf.data")
                    r = subprocess.run(["perf", "record", "-F", "999", "-g", "-o", data, "-p",
                                        str(self.pid), "--", "sleep", "2"],
                                       capture_output=True, text=True)
                    if r.returncode == 0:
                        snap["perf"] = subprocess.run(
                            ["perf", "report", "-i", data, "--no-children", "--sort",
                             "dso,symbol", "-g", "none", "--percent-limit", "2"],
                            capture_output=True, text=True).stdout
                else:
                    time.sleep(2)
                snap["threads1"] = thread_cpu(self.pid)
                snap["proc1"] = cpu_secs(self.pid)
            th = threading.Thread(target=take, daemon=True)
            th.start()
        out, err = p.communicate(timeout=timeout)
        c1 = cpu_secs(self.pid)
        ru1 = os.times()
        if err.strip():
            log(f"  [{self.name}] smload: {err.strip()[:600]}")
        if p.returncode != 0:
            self.diagnose()
            raise RuntimeError(f"{self.name}: smload {' '.join(cmd[3:])} failed: rc {p.returncode}")
        res = parse_kv(out)
        res["_wall"] = time.monotonic() - t0
        res["_server_cpu"] = c1 - c0
        res["_client_cpu"] = (ru1.children_user - ru0.children_user) + \
            (ru1.children_system - ru0.children_system)
        if profile_after is not None:
            th.join()
            res["_snap"] = snap
        return res

    def wait_idle(self, limit=300):
        """Wait until the server uses < 2% of a core over 0.5 s (the test
        executor finishes jobs after CreateTrainingJob returned)."""
        t0 = time.monotonic()
        prev = cpu_secs(self.pid)
        while time.monotonic() - t0 < limit:
            time.sleep(0.5)
            cur = cpu_secs(self.pid)
            if cur - prev < 0.01:
                return time.monotonic() - t0
            prev = cur
        return time.monotonic() - t0


def start_sagelite(tmp):
    # A private copy of the release binary under its own name: a rebuild of
    # build/release during the run does not change what is measured, and
    # another session's `pkill sagelite` does not stop it.
    # --max-training-instances 0: the test executor completes jobs a little
    # after CreateTrainingJob returns, and loading 100,000 jobs at ~2,000/s
    # would otherwise run into the default limit of 20 InProgress instances.
    return benchlib.start_sagelite_server(Server, tmp, SAGELITE, "slbench-smd",
                                          ["--executor", "test", "--max-training-instances", "0"])


def start_moto(tmp):
    return benchlib.start_moto(Server, tmp)


def create_one(s, name):
    """One training job through boto3, waited until Completed."""
    sm = s.client("sagemaker")
    s.client("s3").create_bucket(Bucket=BUCKET)
    sm.create_training_job(
        TrainingJobName=name, RoleArn=ROLE,
        AlgorithmSpecification={"TrainingImage": IMAGE, "TrainingInputMode": "File"},
        OutputDataConfig={"S3OutputPath": f"s3://{BUCKET}/output"},
        ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 5},
        StoppingCondition={"MaxRuntimeInSeconds": 600})
    deadline = time.monotonic() + 30
    while True:
        d = sm.describe_training_job(TrainingJobName=name)
        if d["TrainingJobStatus"] != "InProgress" or time.monotonic() > deadline:
            return d
        time.sleep(0.05)


def describe(s, cfg, res):
    d = create_one(s, "describe-target")
    log(f"  [{s.name}] job describe-target: {d['TrainingJobStatus']}")
    log(f"  [{s.name}] DescribeTrainingJob, 16 connections, {cfg.rounds} x "
        f"({cfg.warmup} s warm-up + {cfg.duration} s)")
    runs = []
    # The timed rounds, then one more, not counted, with the profiler on
    # (perf costs the server a good part of its throughput while it samples).
    for i in range(cfg.rounds + 1):
        profiling = i == cfg.rounds
        r = s.load("--conns", 16, "--threads", 2, "--warmup", cfg.warmup, "--duration",
                   cfg.duration, "describe", "describe-target",
                   profile_after=cfg.warmup + max(0.0, (cfg.duration - 2) / 2) if profiling else None)
        if int(r["errors"]):
            log(f"  [{s.name}]   {r['errors']} non-2xx responses: {r['statuses']}")
        r["cpu_us"] = r["_server_cpu"] * 1e6 / max(1, int(r["all_ops"]))
        r["cores"] = r["_server_cpu"] / r["_wall"]
        r["client_cores"] = r["_client_cpu"] / r["_wall"]
        tag = "(profiled, not counted) " if profiling else ""
        log(f"  [{s.name}]   {tag}{r['ops_s']} req/s, p50 {int(r['p50_us']) / 1000:.2f} ms, "
            f"p99 {int(r['p99_us']) / 1000:.2f} ms, errors {r['errors']}, reconnects {r['reconnects']}, "
            f"server CPU {r['cpu_us']:.0f} us/req ({r['cores']:.2f} cores), load generator "
            f"{r['client_cores']:.2f} cores")
        if profiling:
            report_profile(s.name, r["_snap"], res)
        else:
            runs.append(r)
    runs.sort(key=lambda r: float(r["ops_s"]))
    r = runs[len(runs) // 2]
    res["desc_ops"] = float(r["ops_s"])
    res["desc_all"] = [float(x["ops_s"]) for x in runs]
    res["desc_p50"] = int(r["p50_us"]) / 1000
    res["desc_p99"] = int(r["p99_us"]) / 1000
    res["desc_cpu_us"] = r["cpu_us"]
    res["desc_cores"] = r["cores"]
    res["desc_client_cores"] = r["client_cores"]
    res["desc_err"] = sum(int(x["errors"]) for x in runs)


def fill(s, start, count, res):
    r = s.load("--conns", 64, "--threads", 2, "--start", start, "--count", count,
               "--bucket", BUCKET, "--image", IMAGE, "--role", ROLE, "--prefix", "bench", "create")
    if int(r["errors"]):
        raise RuntimeError(f"{s.name}: create had errors: {r['statuses']}")
    res["fill_secs"] = res.get("fill_secs", 0.0) + float(r["secs"])
    log(f"  [{s.name}]   created jobs {start:,}..{start + count - 1:,}: {r['secs']} s, "
        f"{r['ops_s']} CreateTrainingJob/s (64 connections), server CPU "
        f"{r['_server_cpu']:.1f} s")
    settle = s.wait_idle()
    res["settle_secs"] = res.get("settle_secs", 0.0) + settle
    if settle > 1:
        log(f"  [{s.name}]   the server went idle {settle:.1f} s later (sagelite: its test executor finishing the jobs)")


def list_at(s, jobs, res, repeat_default):
    out = res.setdefault("lists", {})
    for mr, rep in ((0, repeat_default), (100, 50)):
        r = s.load("--repeat", rep, "--max-results", mr, "list")
        want = 100 if mr else 10
        if int(r["items"]) != want:
            log(f"  [{s.name}]   note: first page ({'MaxResults ' + str(mr) if mr else 'no MaxResults'}) "
                f"held {r['items']} jobs, next_token={r['next_token']}, {r['body_bytes']} bytes")
        out[(jobs, mr)] = {"median": float(r["median_ms"]), "p99": float(r["p99_ms"]),
                           "min": float(r["min_ms"]), "max": float(r["max_ms"]),
                           "first": float(r["first_ms"]), "items": int(r["items"]),
                           "bytes": int(r["body_bytes"]), "n": rep}
        log(f"  [{s.name}]   ListTrainingJobs page 1 of {jobs:,} jobs, "
            f"{'MaxResults ' + str(mr) if mr else 'no MaxResults'}: median {r['median_ms']} ms, "
            f"p99 {r['p99_ms']} ms (min {r['min_ms']}, max {r['max_ms']}, first "
            f"{r['first_ms']}; {rep} calls; {r['items']} jobs, {r['body_bytes']} bytes)")


def listing(s, res, checkpoints, repeat_default=50, budget=None):
    """Create jobs up to each checkpoint in turn and time the first page
    there.  With budget: skip a checkpoint whose load would take the whole
    load past budget seconds at the rate seen so far."""
    have = 0
    for jobs in checkpoints:
        if have and budget is not None:
            projected = res["fill_secs"] + (jobs - have) * res["fill_secs"] / have
            if projected > budget:
                res["skipped"] = (jobs, projected)
                log(f"  [{s.name}]   {jobs:,} jobs skipped: loading them was projected at "
                    f"{projected:.0f} s in all > {budget:.0f} s")
                return
        log(f"  [{s.name}] ListTrainingJobs: creating jobs up to {jobs:,}")
        fill(s, have, jobs - have, res)
        have = jobs
        res["jobs"] = jobs
        list_at(s, jobs, res, repeat_default)


def fmt(v, digits=0, unit=""):
    if v is None:
        return "n/a"
    return f"{v:,.{digits}f}{unit}"


def main():
    global SAGELITE, LOADGEN
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--loadgen", required=True)
    ap.add_argument("--sagelite", default=os.path.join(ROOT, "build", "release", "sagelite"))
    ap.add_argument("--keep", action="store_true", help="keep the temp dirs and logs")
    ap.add_argument("--skip-moto", action="store_true")
    ap.add_argument("--jobs", type=int, default=100_000, help="sagelite's largest job count")
    ap.add_argument("--moto-jobs", type=int, default=100_000,
                    help="moto's largest job count, loaded only if projected under "
                         "--moto-budget seconds from the rate at 10,000")
    ap.add_argument("--moto-budget", type=float, default=300)
    cfg = ap.parse_args()
    SAGELITE, LOADGEN = cfg.sagelite, cfg.loadgen
    if cfg.quick:
        cfg.rounds, cfg.warmup, cfg.duration = 1, 0.5, 2
        sl_lists, mo_lists = [2_000], [2_000]
    else:
        cfg.rounds, cfg.warmup, cfg.duration = 5, 1, 5
        sl_lists = sorted({10_000, cfg.jobs})
        mo_lists = sorted({10_000, cfg.moto_jobs})

    tmp_root = tempfile.mkdtemp(prefix="sl-bench-sm-")
    ver = subprocess.run([SAGELITE, "version"], capture_output=True, text=True).stdout.strip()
    import moto
    load0 = loadavg()
    log(f"sagemaker bench ({'quick' if cfg.quick else 'full'}): {SAGELITE} ({ver}), moto "
        f"{moto.__version__}; {os.cpu_count()} CPUs, data in {tmp_root}; load average at start "
        f"{load0}")
    t_start = time.monotonic()
    sl, mo = {}, {}
    try:
        log("sagelite:")
        os.makedirs(os.path.join(tmp_root, "sagelite"))
        s = start_sagelite(os.path.join(tmp_root, "sagelite"))
        try:
            describe(s, cfg, sl)
            sl["load_desc"] = loadavg()
            listing(s, sl, sl_lists)
            sl["hwm"] = rss_mb(s.pid, "VmHWM:")
            sl["db_mb"] = sum(os.path.getsize(os.path.join(dp, f)) for dp, _, fs in
                              os.walk(os.path.join(tmp_root, "sagelite", "data")) for f in fs) / 1e6
        finally:
            s.stop()
        if not cfg.skip_moto:
            log("moto:")
            os.makedirs(os.path.join(tmp_root, "moto"))
            m = start_moto(os.path.join(tmp_root, "moto"))
            try:
                describe(m, cfg, mo)
                # moto answers a ListTrainingJobs without MaxResults with every
                # job on one page, so fewer repeats of that one.
                listing(m, mo, mo_lists, repeat_default=5, budget=cfg.moto_budget)
                mo["hwm"] = rss_mb(m.pid, "VmHWM:")
            finally:
                m.stop()
    finally:
        if not cfg.keep:
            shutil.rmtree(tmp_root, ignore_errors=True)
        else:
            log(f"kept {tmp_root}")
    load1 = loadavg()
    wall = time.monotonic() - t_start

    rows = []

    def row(metric, a, b, ratio, target="", met=""):
        rows.append((metric, a, b, ratio, target, met))

    def rat(a, b, higher=True):
        if not a or not b:
            return "n/a"
        v = a / b if higher else b / a
        return f"{v:.1f}x" if v >= 1 else f"{v:.2f}x"

    med = f"median of {cfg.rounds} x {cfg.duration:g} s" if cfg.rounds > 1 else f"{cfg.duration:g} s"
    row(f"DescribeTrainingJob, 16 conns ({med}, req/s)", fmt(sl["desc_ops"]),
        fmt(mo.get("desc_ops")), rat(sl["desc_ops"], mo.get("desc_ops")), ">= 5,000",
        "yes" if sl["desc_ops"] >= 5000 else "NO")
    row("  rounds (req/s)", ", ".join(fmt(v) for v in sl["desc_all"]),
        ", ".join(fmt(v) for v in mo.get("desc_all", [])) or "n/a", "")
    row("  p50 / p99 latency (ms)", f"{sl['desc_p50']:.2f} / {sl['desc_p99']:.2f}",
        f"{mo['desc_p50']:.2f} / {mo['desc_p99']:.2f}" if mo else "n/a", "")
    row("  server CPU per request (us)", fmt(sl["desc_cpu_us"]),
        fmt(mo.get("desc_cpu_us")), rat(sl["desc_cpu_us"], mo.get("desc_cpu_us"), False))
    row("  cores used: server / load generator",
        f"{sl['desc_cores']:.2f} / {sl['desc_client_cores']:.2f}",
        f"{mo['desc_cores']:.2f} / {mo['desc_client_cores']:.2f}" if mo else "n/a", "")
    row("CreateTrainingJob load, 64 conns (jobs in s, jobs/s)",
        f"{sl['jobs']:,} in {sl['fill_secs']:.0f} s ({sl['jobs'] / sl['fill_secs']:,.0f}/s); "
        f"test executor done {sl['settle_secs']:.0f} s later",
        f"{mo['jobs']:,} in {mo['fill_secs']:.0f} s ({mo['jobs'] / mo['fill_secs']:,.0f}/s)"
        if mo else "n/a",
        rat(sl["jobs"] / sl["fill_secs"], mo["jobs"] / mo["fill_secs"]) if mo else "n/a")
    sll, mol = sl.get("lists", {}), mo.get("lists", {})
    for (jobs, mr) in sorted(set(sll) | set(mol)):
        a, b = sll.get((jobs, mr)), mol.get((jobs, mr))
        label = f"MaxResults {mr}" if mr else "no MaxResults"
        sa = f"{a['median']:.2f} / {a['p99']:.2f}" if a else "not run"
        sb = f"{b['median']:.2f} / {b['p99']:.2f}" if b else "not run"
        if b and b["items"] != (mr or 10):
            sb += f" ({b['items']:,} jobs on the page)"
        row(f"ListTrainingJobs page 1, {jobs:,} jobs, {label}: median / p99 (ms)", sa, sb,
            rat(a["median"], b["median"], False) if a and b else "n/a",
            "< 10 ms" if jobs >= 100_000 else "",
            ("yes" if a["median"] < 10 else "NO") if a and jobs >= 100_000 else "")
    row("max server RSS (MB)", fmt(sl["hwm"]), fmt(mo.get("hwm")), "")

    print()
    print(f"SageMaker control plane: sagelite {ver} vs moto {moto.__version__} "
          f"({os.cpu_count()} CPUs; load average {load0} at start, {load1} at end; "
          f"{wall:.0f} s)")
    print()
    print("| metric | sagelite | moto | ratio | target | met |")
    print("| --- | --- | --- | --- | --- | --- |")
    for r in rows:
        print("| " + " | ".join(r) + " |")
    print()
    print(f"sagelite held up to {sl['jobs']:,} jobs ({sl['db_mb']:.0f} MB of data dir, the test "
          f"executor's model.tar.gz objects included).")
    if mo:
        line = f"moto held up to {mo['jobs']:,} jobs"
        if "skipped" in mo:
            line += (f"; {mo['skipped'][0]:,} were skipped (projected load {mo['skipped'][1]:.0f} s "
                     f"> --moto-budget {cfg.moto_budget:.0f} s)")
        print(line + ". moto answers ListTrainingJobs without MaxResults with every job on one "
              "page (AWS and sagelite: 10).")


if __name__ == "__main__":
    main()
