#!/usr/bin/env bash
# endpoints.sh — endpoints of sagelite: CreateEndpoint -> InService for the
# course's scikit-learn iris model, the latency InvokeEndpoint adds over
# calling the serving process directly (16 connections and 1), and batch
# transform rows/s.  A benchmark, not a test: prints a table.
#   bench/endpoints.sh [--quick] [--deploys N] [--rounds N] [--duration S] [--transform-rows N] [--keep]
# Uses build/release/sagelite (SAGELITE_BIN overrides), started fresh with a
# temp data dir and --executor host (serving processes run Debian's python3
# with scikit-learn); the load generator is bench/epload.c, compiled here
# into bench/.venv/bin (bench/setup.sh makes the venv).  Full mode: about
# 2 minutes on 2 cores (plus the transform); --quick: under a minute.
set -euo pipefail
cd "$(dirname "$0")"
. ./lib.sh
need_sagelite
./setup.sh
build_loadgen epload -Wno-unused-function
exec .venv/bin/python endpoints.py --loadgen "$(realpath "$loadgen")" --sagelite "$(realpath "$bin")" "$@"
