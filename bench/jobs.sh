#!/usr/bin/env bash
# jobs.sh — training jobs really run: time from CreateTrainingJob to the
# entry point's first line, from its exit to Completed (with a 1 MB model),
# and a no-op job end to end, under sagelite's host executor (issue targets
# < 100 ms, < 200 ms, < 1 s).  A benchmark, not a test: prints a table with
# median (min, max) of N jobs per series, next to the quoted figures of AWS
# and the SDK's local mode (moto does not run jobs, so there is no peer run).
#   bench/jobs.sh [--runs N] [--model-bytes B] [--isolation auto|bwrap|none] [--keep]
# Uses build/release/sagelite (SAGELITE_BIN overrides) with --executor host
# and a --runtime-map that maps local/noop-trainer:* to a shell script
# written into a temp dir; boto3 from bench/.venv (bench/setup.sh).  About
# 30 s with the default 10 jobs per series.
set -euo pipefail
cd "$(dirname "$0")"
. ./lib.sh
need_sagelite
./setup.sh
exec .venv/bin/python jobs.py --sagelite "$(realpath "$bin")" "$@"
