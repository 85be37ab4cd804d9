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
. ./lib.sh
need_sagelite
./setup.sh
build_loadgen smload
exec .venv/bin/python sagemaker.py --loadgen "$loadgen" --sagelite "$(realpath "$bin")" "$@"
