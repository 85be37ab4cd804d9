"""s3.py — the body of bench/s3.sh: sagelite vs moto's S3 server, side by side.

Run through bench/s3.sh, which builds the load generator (bench/s3load.c)
and the venv with moto.  Each server is started fresh, measured alone (the
other is not running), and stopped; the load generator runs on the same
machine, so it and the server share the CPUs.
"""
import argparse
import os
import shutil
import subprocess
import tempfile
import threading
import time

import benchlib
from benchlib import ROOT, cpu_secs, hwm_mb, log, parse_kv, rss_mb


class RssSampler:
    """Max VmRSS of pid, sampled every 50 ms while active."""

    def __init__(self, pid):
        self.pid, self.max, self.samples = pid, 0.0, 0
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            self.max = max(self.max, rss_mb(self.pid))
            self.samples += 1
            self._stop.wait(0.05)

    def __enter__(self):
        self._t.start()
        return self

    def __exit__(self, *a):
        self._stop.set()
        self._t.join()
        self.max = max(self.max, rss_mb(self.pid))


class Server(benchlib.Server):
    def load(self, *args, timeout=None, check=True):
        """Run s3load against this server; returns its key=value line as a dict."""
        cmd = [LOADGEN, "--port", str(self.port), *map(str, args)]
        t0 = time.monotonic()
        c0 = cpu_secs(self.pid)
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           timeout=timeout)
        c1 = cpu_secs(self.pid)
        if r.stderr.strip():
            log(f"  [{self.name}] s3load: {r.stderr.strip()[:600]}")
        if r.returncode != 0:
            self.diagnose()
            if check:
                raise RuntimeError(f"{self.name}: s3load {' '.join(cmd[3:])} failed: rc {r.returncode}")
            return None
        out = parse_kv(r.stdout)
        out["_wall"] = time.monotonic() - t0
        out["_server_cpu"] = c1 - c0
        return out


def start_sagelite(tmp):
    # The release binary, exec'd through a symlink with its own name: on a
    # shared machine another session's `pkill sagelite` should not stop
    # the daemon under measurement (it did, twice, while writing this).
    return benchlib.start_sagelite_server(Server, tmp, SAGELITE, "slbench-s3d", copy=False)


def start_moto(tmp):
    return benchlib.start_moto(Server, tmp)


def check_timed(name, r, size=None):
    errs = int(r["errors"])
    if errs:
        log(f"  [{name}] {errs} non-2xx responses: statuses {r['statuses']}")
    if size is not None and int(r["body_bytes"]) != int(r["ops"]) * size:
        log(f"  [{name}] GET body bytes {r['body_bytes']} != {r['ops']} x {size}")


def small_objects(s, cfg, res):
    """4 KiB PUT and GET, 16 connections; cfg.rounds timed runs each, the
    median run is reported (the machine may be shared)."""
    s.load("mkbucket", "bench-small")
    s.load("--conns", 16, "--threads", 2, "--size", 4096, "--count", 1000, "fill", "bench-small")
    for op in ("put", "get"):
        log(f"  [{s.name}] 4 KiB {op.upper()}, 16 connections, {cfg.rounds} x "
            f"({cfg.warmup} s warm-up + {cfg.duration} s)")
        runs = []
        for _ in range(cfg.rounds):
            r = s.load("--conns", 16, "--threads", 2, "--size", 4096, "--keys", 1000,
                       "--warmup", cfg.warmup, "--duration", cfg.duration, op, "bench-small")
            check_timed(s.name, r, 4096 if op == "get" else None)
            r["cpu_us"] = r["_server_cpu"] * 1e6 / max(1, int(r["all_ops"]))
            r["cores"] = r["_server_cpu"] / r["_wall"]
            log(f"  [{s.name}]   {r['ops_s']} ops/s, p50 {int(r['p50_us']) / 1000:.2f} ms, p99 "
                f"{int(r['p99_us']) / 1000:.2f} ms, errors {r['errors']}, reconnects "
                f"{r['reconnects']}, server CPU {r['cpu_us']:.0f} us/op ({r['cores']:.2f} cores)")
            runs.append(r)
        runs.sort(key=lambda r: float(r["ops_s"]))
        r = runs[len(runs) // 2]
        res[f"{op}_ops"] = float(r["ops_s"])
        res[f"{op}_all"] = [float(x["ops_s"]) for x in runs]
        res[f"{op}_p50"] = int(r["p50_us"]) / 1000
        res[f"{op}_p99"] = int(r["p99_us"]) / 1000
        res[f"{op}_err"] = sum(int(x["errors"]) for x in runs)
        res[f"{op}_cpu_us"] = r["cpu_us"]
    res["hwm_small"] = hwm_mb(s.pid)


def big_object(s, size, res, timeout):
    s.load("mkbucket", "bench-big")
    out = {}
    for op in ("bigput", "bigget"):
        with RssSampler(s.pid) as rs:
            r = s.load("--size", size, op, "bench-big", "big-object", timeout=timeout, check=False)
        if r is None or int(r["status"]) != 200 or (op == "bigget" and int(r["bytes"]) != size):
            log(f"  [{s.name}] {op} of {size >> 20} MiB failed: {r}")
            return None
        out[op] = float(r["mb_s"])
        out[op + "_rss"] = rs.max
        out[op + "_secs"] = float(r["secs"])
        log(f"  [{s.name}]   {op} {size >> 20} MiB: {r['mb_s']} MB/s in {r['secs']} s, "
            f"max RSS {rs.max:.1f} MB ({rs.samples} samples), server CPU {r['_server_cpu']:.2f} s")
    res["big_size"] = size
    res["big_put"], res["big_get"] = out["bigput"], out["bigget"]
    res["big_rss"] = max(out["bigput_rss"], out["bigget_rss"])
    res["big_put_rss"], res["big_get_rss"] = out["bigput_rss"], out["bigget_rss"]
    return res


def list_at(s, keys, res):
    r = s.load("--repeat", 20, "list", "bench-list")
    if int(r["keys"]) != 1000 or (keys > 1000 and r["truncated"] != "1"):
        log(f"  [{s.name}] list page looks wrong: {r}")
    res.setdefault("lists", {})[keys] = (float(r["median_ms"]), float(r["first_ms"]),
                                         float(r["min_ms"]), float(r["max_ms"]))
    log(f"  [{s.name}]   ListObjectsV2 page 1 of {keys:,} keys: first {r['first_ms']} ms, "
        f"median {r['median_ms']} ms (min {r['min_ms']}, max {r['max_ms']}, 20 calls)")


def fill(s, start, count, res):
    r = s.load("--conns", 64, "--threads", 2, "--size", 0, "--start", start, "--count", count,
               "fill", "bench-list")
    if int(r["errors"]):
        raise RuntimeError(f"{s.name}: fill had errors: {r['statuses']}")
    res["fill_secs"] = res.get("fill_secs", 0.0) + float(r["secs"])
    res["fill_keys"] = start + count
    log(f"  [{s.name}]   loaded keys {start:,}..{start + count - 1:,}: {r['secs']} s, "
        f"{r['ops_s']} PUT/s (0-byte, 64 connections)")
    return float(r["ops_s"])


def listing(s, res, checkpoints, budget):
    """Load 0-byte keys up to each checkpoint in turn and time the first page
    there.  Stops before a checkpoint whose load would take the whole load
    past budget seconds at the rate seen so far."""
    s.load("mkbucket", "bench-list")
    have = 0
    for keys in checkpoints:
        if have:
            projected = res["fill_secs"] + (keys - have) * res["fill_secs"] / have
            if projected > budget:
                res["list_skipped"] = (keys, projected)
                log(f"  [{s.name}]   {keys:,} keys skipped: loading them was projected at "
                    f"{projected:.0f} s in all > {budget:.0f} s")
                return
        log(f"  [{s.name}] ListObjectsV2: loading keys up to {keys:,}")
        fill(s, have, keys - have, res)
        have = keys
        list_at(s, keys, res)


def fmt(v, unit="", digits=0):
    if v is None:
        return "n/a"
    return f"{v:,.{digits}f}{unit}"


def ratio(a, b, higher_better=True):
    if not a or not b:
        return "n/a"
    return f"{(a / b if higher_better else b / a):.1f}x"


def main():
    global SAGELITE, LOADGEN
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--loadgen", required=True)
    ap.add_argument("--sagelite", default=os.path.join(ROOT, "build", "release", "sagelite"))
    ap.add_argument("--keep", action="store_true", help="keep the temp dirs and logs")
    ap.add_argument("--skip-moto", action="store_true")
    ap.add_argument("--list-budget", type=float, default=600,
                    help="seconds the list-bucket load may take before the next, larger "
                         "checkpoint is skipped (default 600)")
    ap.add_argument("--only", default="small,big,list",
                    help="comma list of parts to run: small, big, list (for debugging; the "
                         "table needs all three)")
    cfg = ap.parse_args()
    SAGELITE, LOADGEN = cfg.sagelite, cfg.loadgen
    parts = set(cfg.only.split(","))
    if cfg.quick:
        cfg.rounds, cfg.warmup, cfg.duration, big, moto_big = 1, 0.5, 2, 64 << 20, 64 << 20
        sl_lists, moto_lists = [2_000, 10_000], [2_000]
    else:
        cfg.rounds, cfg.warmup, cfg.duration, big, moto_big = 3, 1, 5, 1 << 30, 1 << 30
        sl_lists, moto_lists = [10_000, 100_000, 1_000_000], [10_000]

    tmp_root = tempfile.mkdtemp(prefix="sl-bench-s3-")
    fstype = subprocess.run(["findmnt", "-n", "-o", "FSTYPE", "-T", tmp_root],
                            capture_output=True, text=True).stdout.strip()
    ver = subprocess.run([SAGELITE, "version"], capture_output=True, text=True).stdout.strip()
    import moto
    with open("/proc/loadavg") as f:
        load0 = " ".join(f.read().split()[:3])
    log(f"s3 bench ({'quick' if cfg.quick else 'full'}): {SAGELITE} ({ver}), moto {moto.__version__}; "
        f"{os.cpu_count()} CPUs, data in {tmp_root} ({fstype}); load average at start {load0}")
    t_start = time.monotonic()
    sl, mo = {}, {}
    try:
        log("sagelite:")
        os.makedirs(os.path.join(tmp_root, "sagelite"))
        s = start_sagelite(os.path.join(tmp_root, "sagelite"))
        try:
            sl["idle_rss"] = rss_mb(s.pid)
            if "small" in parts:
                small_objects(s, cfg, sl)
            if "big" in parts:
                log(f"  [sagelite] {big >> 20} MiB object, one connection")
                big_object(s, big, sl, timeout=300)
            if "list" in parts:
                listing(s, sl, sl_lists, budget=cfg.list_budget)
            sl["hwm_all"] = hwm_mb(s.pid)
        finally:
            s.stop()
        if not cfg.skip_moto:
            log("moto:")
            os.makedirs(os.path.join(tmp_root, "moto"))
            m = start_moto(os.path.join(tmp_root, "moto"))
            try:
                mo["idle_rss"] = rss_mb(m.pid)
                if "small" in parts:
                    small_objects(m, cfg, mo)
                if "big" in parts:
                    log(f"  [moto] {moto_big >> 20} MiB object, one connection")
                    if big_object(m, moto_big, mo, timeout=180) is None and moto_big > 256 << 20:
                        log("  [moto] retrying the big object at 256 MiB")
                        m.stop()
                        m = start_moto(os.path.join(tmp_root, "moto"))
                        big_object(m, 256 << 20, mo, timeout=180)
                if "list" in parts:
                    listing(m, mo, moto_lists, budget=cfg.list_budget)
                mo["hwm_all"] = hwm_mb(m.pid)
            finally:
                m.stop()
    finally:
        if not cfg.keep:
            shutil.rmtree(tmp_root, ignore_errors=True)
        else:
            log(f"kept {tmp_root}")
    with open("/proc/loadavg") as f:
        load1 = " ".join(f.read().split()[:3])
    wall = time.monotonic() - t_start
    if parts != {"small", "big", "list"}:
        print(f"partial run ({cfg.only}): no table; sagelite {sl}, moto {mo}")
        return

    rows = []
    def row(metric, a, b, r, note=""):
        rows.append((metric, a, b, r, note))

    def spread(res, op):
        return "runs " + ", ".join(f"{v:,.0f}" for v in res[op + "_all"]) if res else ""
    med = f"median of {cfg.rounds}, " if cfg.rounds > 1 else ""
    row(f"4 KiB PUT, 16 conns ({med}ops/s)", fmt(sl.get("put_ops")), fmt(mo.get("put_ops")),
        ratio(sl.get("put_ops"), mo.get("put_ops")),
        f"sagelite {spread(sl, 'put')}; moto {spread(mo, 'put')}")
    row("4 KiB PUT p50 / p99 (ms)", f"{sl['put_p50']:.1f} / {sl['put_p99']:.1f}",
        f"{mo['put_p50']:.1f} / {mo['put_p99']:.1f}" if mo else "n/a", "")
    row(f"4 KiB GET, 16 conns ({med}ops/s)", fmt(sl.get("get_ops")), fmt(mo.get("get_ops")),
        ratio(sl.get("get_ops"), mo.get("get_ops")),
        f"sagelite {spread(sl, 'get')}; moto {spread(mo, 'get')}")
    row("4 KiB GET p50 / p99 (ms)", f"{sl['get_p50']:.1f} / {sl['get_p99']:.1f}",
        f"{mo['get_p50']:.1f} / {mo['get_p99']:.1f}" if mo else "n/a", "")
    row("server CPU per PUT / GET (us)", f"{sl['put_cpu_us']:.0f} / {sl['get_cpu_us']:.0f}",
        f"{mo['put_cpu_us']:.0f} / {mo['get_cpu_us']:.0f}" if mo else "n/a",
        "", "CPU time / requests, warm-up included")
    sb, mb = sl.get("big_size", 0) >> 20, mo.get("big_size", 0) >> 20
    size_note = f"sagelite {sb} MiB, moto {mb} MiB" if mb and mb != sb else f"{sb} MiB"
    row(f"big PUT, 1 conn (MB/s)", fmt(sl.get("big_put")), fmt(mo.get("big_put")),
        ratio(sl.get("big_put"), mo.get("big_put")), size_note + "; UNSIGNED-PAYLOAD")
    row(f"big GET, 1 conn (MB/s)", fmt(sl.get("big_get")), fmt(mo.get("big_get")),
        ratio(sl.get("big_get"), mo.get("big_get")), size_note)
    row("max server RSS during big PUT / GET (MB)",
        f"{sl.get('big_put_rss', 0):.0f} / {sl.get('big_get_rss', 0):.0f}",
        f"{mo['big_put_rss']:.0f} / {mo['big_get_rss']:.0f}" if "big_put_rss" in mo else "n/a",
        ratio(sl.get("big_rss"), mo.get("big_rss"), higher_better=False), "sampled every 50 ms")
    sls, mls = sl.get("lists", {}), mo.get("lists", {})
    for keys in sorted(set(sls) | set(mls)):
        a, b = sls.get(keys), mls.get(keys)
        row(f"ListObjectsV2 page 1 at {keys:,} keys, median of 20 (ms)",
            f"{a[0]:.2f}" if a else "n/a", f"{b[0]:.2f}" if b else "not run",
            ratio(a and a[0], b and b[0], higher_better=False),
            f"sagelite first call {a[1]:.2f} ms, max {a[3]:.2f} ms" if a else "")
    row("time to load the list bucket (s)",
        f"{sl['fill_secs']:.0f} ({sl['fill_keys']:,} keys, {sl['fill_keys'] / sl['fill_secs']:,.0f}/s)",
        f"{mo['fill_secs']:.0f} ({mo['fill_keys']:,} keys, {mo['fill_keys'] / mo['fill_secs']:,.0f}/s)"
        if mo else "n/a", "", "0-byte PUTs, 64 connections")
    if "list_skipped" in sl:
        k, p = sl["list_skipped"]
        row(f"ListObjectsV2 at {k:,} keys", "skipped", "n/a", "",
            f"loading was projected at {p:.0f} s in all, over the {cfg.list_budget:.0f} s budget")
    row("peak server RSS after 4 KiB runs / whole run (MB)",
        f"{sl['hwm_small']:.0f} / {sl['hwm_all']:.0f}",
        f"{mo['hwm_small']:.0f} / {mo['hwm_all']:.0f}" if mo else "n/a", "",
        "VmHWM; 16 then 64 connections")

    print()
    print(f"S3 benchmark ({'quick' if cfg.quick else 'full'}), {ver} vs moto {moto.__version__}; "
          f"{os.cpu_count()} CPUs shared by server and load generator; load average "
          f"{load0} at start, {load1} at end; {wall:.0f} s")
    print()
    w0 = max(len(r[0]) for r in rows)
    w1 = max(len(r[1]) for r in rows + [("", "sagelite")])
    w2 = max(len(r[2]) for r in rows + [("", "", "moto")])
    print(f"{'metric':<{w0}}  {'sagelite':>{w1}}  {'moto':>{w2}}  {'ratio':>6}  note")
    for m_, a, b, r, note in rows:
        print(f"{m_:<{w0}}  {a:>{w1}}  {b:>{w2}}  {r:>6}  {note}")
    print()
    print("ratio = how many times better sagelite is (throughput: sagelite/moto; "
          "latency and RSS: moto/sagelite)")
    print("sagelite answers a PUT once it is on disk (body file and directory fsynced, then a WAL "
          "fsync shared by concurrent PUTs); moto keeps objects in memory "
          "(large ones spill to temp files) and closes the connection after every response.")
    problems = [k for k in ("put_err", "get_err") if sl.get(k) or mo.get(k)]
    if problems:
        print("WARNING: non-2xx responses during the timed runs (see the log above)")


if __name__ == "__main__":
    main()
