#!/usr/bin/env bash
# course-moon.sh — the course's moon project (fixtures/moon/moon-sdk-v2.ipynb,
# SageMaker SDK v2) end to end against a fresh `sagelite serve --executor
# host`: the time sagelite itself takes for fit → deploy → predict → delete,
# i.e. each phase's wall time minus the SDK's polling sleeps, which are
# capped at 0.2 s (the SDK still polls the same way, only sooner).  Prints
# every run's phases, the median over N runs, and the ratio against the
# minutes the same steps take on AWS (the course notebook's recorded deploy).
# A benchmark, not a test (issue 8 target: < 15 s in sagelite).
#   bench/course-moon.sh [RUNS] [--isolation auto|bwrap|none]
# Uses build/release/sagelite (SAGELITE_BIN overrides) and .venv-sdk2
# (scripts/install-deps.sh --test).  About 50 s a run: the SDK's log tailing
# during fit waits 30 s of wall clock between DescribeTrainingJob calls
# whatever the sleep length, so fit's wall time stays ≥ 30 s.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
isolation=${3:-auto}
[ "${2:-}" = --isolation ] || isolation=auto
bin=${SAGELITE_BIN:-build/release/sagelite}
[ -x "$bin" ] || { echo "build first: $bin missing" >&2; exit 1; }
[ -x .venv-sdk2/bin/python ] || { echo ".venv-sdk2 missing: scripts/install-deps.sh --test" >&2; exit 1; }
work=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
"$bin" serve --listen 127.0.0.1:0 --data-dir "$work/data" --executor host --isolation "$isolation" \
	>"$work/stdout" 2>"$work/stderr" &
pid=$!
for _ in $(seq 50); do grep -q listening "$work/stdout" 2>/dev/null && break; sleep 0.1; done
port=$(sed -n 's/^listening on http:\/\/127\.0\.0\.1:\([0-9]*\)$/\1/p' "$work/stdout")
[ -n "$port" ] || { echo "sagelite did not start" >&2; cat "$work/stderr" >&2; exit 1; }
eval "$("$bin" env --listen "127.0.0.1:$port" --data-dir "$work/data")"
export SAGEMAKER_SUPPRESS_V2_WARNING=1
for i in $(seq "$runs"); do
	.venv-sdk2/bin/python scripts/run-notebook.py fixtures/moon/moon-sdk-v2.ipynb --netguard --quiet \
		--poll-cap 0.2 --workdir "$work/run$i" --json "$work/run$i.json" 2> >(grep -v IPKernelApp >&2) \
		>/dev/null || { echo "run $i failed" >&2; exit 1; }
done
.venv-sdk2/bin/python - "$work" "$runs" "$isolation" <<'PY'
import json, statistics, sys
work, runs, iso = sys.argv[1], int(sys.argv[2]), sys.argv[3]
FLOW = ("fit", "deploy", "predict", "delete")
AWS_DEPLOY_S = 7.5 * 60  # the course notebook's recorded deploy on AWS
rows = [json.load(open(f"{work}/run{i}.json")) for i in range(1, runs + 1)]
print(f"moon, SDK v2, isolation {iso}: sagelite seconds per phase (wall minus SDK sleep)")
print(f"{'run':<5}" + "".join(f"{p:>9}" for p in FLOW) + f"{'flow':>9}{'wall':>9}")
flows, deploys = [], []
for i, r in enumerate(rows, 1):
    ph = r["phases"]
    flow = sum(ph[p]["sagelite"] for p in FLOW)
    flows.append(flow)
    deploys.append(ph["deploy"]["sagelite"])
    print(f"{i:<5}" + "".join(f"{ph[p]['sagelite']:9.2f}" for p in FLOW) + f"{flow:9.2f}"
          + f"{sum(ph[p]['wall'] for p in FLOW):9.1f}")
m, d = statistics.median(flows), statistics.median(deploys)
print(f"median fit→deploy→predict→delete in sagelite: {m:.2f} s (target < 15 s)")
print(f"median deploy in sagelite: {d:.2f} s; AWS (course notebook): {AWS_DEPLOY_S / 60:.1f} min "
      f"→ {AWS_DEPLOY_S / d:.0f}× faster")
PY
