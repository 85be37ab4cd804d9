#!/usr/bin/env bash
# s3.sh — S3 throughput, big-object streaming and listing latency of sagelite,
# side by side with moto's S3 server (moto_server), in one run.  A benchmark,
# not a test: prints a table with sagelite, moto and ratio columns.
#   bench/s3.sh [--quick] [--list-budget S] [--keep] [--skip-moto] [--only small,big,list]
# Uses build/release/sagelite (SAGELITE_BIN overrides), started fresh with a
# temp data dir; moto comes from bench/.venv (bench/setup.sh makes it); the
# load generator is bench/s3load.c, compiled here into bench/.venv/bin.
# Full mode: 3 x 5 s runs of 4 KiB PUT/GET, a 1 GiB object, ListObjectsV2 at
# 10k/100k/1M keys (1M only if loading it is projected under --list-budget,
# default 600 s); about 4 minutes plus the 1M load.  --quick: one 2 s run,
# a 64 MiB object, 10,000 listed keys; about 30 s.
set -euo pipefail
cd "$(dirname "$0")"
. ./lib.sh
need_sagelite
./setup.sh
build_loadgen s3load
exec .venv/bin/python s3.py --loadgen "$loadgen" --sagelite "$(realpath "$bin")" "$@"
