#!/usr/bin/env bash
# sagemaker.sh — the SageMaker control plane of sagelite (DescribeTrainingJob
# throughput, ListTrainingJobs first-page latency over many stored jobs),
# side by side with moto's server (moto_server), in one run.  A benchmark,
# not a test: prints a table with sagelite, moto, ratio and target columns.
#   bench/sagemaker.sh [--quick] [--jobs N] [--moto-jobs N] [--moto-budget S] [--keep] [--skip-moto]
# Uses build/release/sagelite (SAGELITE_BIN overrides), started fresh with a
# temp data dir and --executor test (jobs complete at once); moto comes from
# bench/.venv (bench/setup.sh makes it); the load generator is
# bench/smload.c, compiled here into bench/.venv/bin.
# Full mode: 5 x 5 s of DescribeTrainingJob at 16 connections per server,
# then ListTrainingJobs over 10,000 and --jobs (100,000) jobs for each server
# (moto's 100,000 only if loading them is projected under --moto-budget,
# default 300 s); about 10 minutes on 2 cores.  --quick: 2,000 jobs, one 2 s
# round; under a minute.
set -euo pipefail
cd "$(dirname "$0")"
bin=${SAGELITE_BIN:-../build/release/sagelite}
[ -x "$bin" ] || { echo "build first: $bin missing (scripts/test.sh or configure in build/release)" >&2; exit 1; }
./setup.sh
loadgen=.venv/bin/smload
if [ ! -x "$loadgen" ] || [ smload.c -nt "$loadgen" ] || [ httpconn.h -nt "$loadgen" ] ||
	[ sigv4lite.h -nt "$loadgen" ] || [ loadgen.h -nt "$loadgen" ]; then
	gcc -O2 -std=gnu11 -Wall -Wextra -o "$loadgen" smload.c -lcrypto -lpthread
fi
exec .venv/bin/python sagemaker.py --loadgen "$loadgen" --sagelite "$(realpath "$bin")" "$@"
