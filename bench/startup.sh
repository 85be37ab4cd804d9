#!/usr/bin/env bash
# startup.sh — start-to-listening time and idle RSS of `sagelite serve`
# (issue targets: < 50 ms, < 10 MB).  A benchmark, not a test: prints numbers.
#   bench/startup.sh [RUNS]   (default 20; uses build/release/sagelite)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${SAGELITE_BIN:-build/release/sagelite}
runs=${1:-20}
[ -x "$bin" ] || { echo "build first: $bin missing" >&2; exit 1; }

python3 - "$bin" "$runs" <<'PY'
import os, subprocess, sys, tempfile, time, statistics, urllib.request
binary, runs = sys.argv[1], int(sys.argv[2])
times, rss = [], []
for i in range(runs):
    d = tempfile.mkdtemp(prefix="sl-bench-")
    t0 = time.perf_counter()
    p = subprocess.Popen([binary, "serve", "--listen", "127.0.0.1:0", "--data-dir", d],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = p.stdout.readline()
    t1 = time.perf_counter()
    assert line.startswith("listening on"), line
    url = line.split()[-1]
    urllib.request.urlopen(url + "/_sagelite/health").read()
    time.sleep(0.2)  # idle
    with open(f"/proc/{p.pid}/status") as f:
        for l in f:
            if l.startswith("VmRSS:"):
                rss.append(int(l.split()[1]) / 1024)
    p.terminate(); p.wait()
    # first run creates the store; later runs too (fresh dir each time)
    times.append((t1 - t0) * 1000)
print(f"start-to-listening (fresh data dir, {runs} runs): "
      f"min {min(times):.1f} ms, median {statistics.median(times):.1f} ms, max {max(times):.1f} ms  (target < 50 ms)")
print(f"idle RSS after one request: min {min(rss):.1f} MB, median {statistics.median(rss):.1f} MB, "
      f"max {max(rss):.1f} MB  (target < 10 MB)")
PY
