#!/usr/bin/env bash
# xgboost.sh — sagelite's built-in XGBoost (native C on libxgboost) against
# Python xgboost on the same libxgboost: training time on the same data,
# parameters and threads; single-row CSV invocations with 16 clients; batch
# prediction of 1,000,000 rows vs raw libxgboost predict.  A benchmark, not
# a test: prints a table with the ratios.
#   bench/xgboost.sh [--quick] [--rows N] [--train-runs N] [--rounds N] [--duration S] [--batch-rows N] [--only train|serve] [--keep]
# Uses build/release/sagelite and its sagelite-xgboost (SAGELITE_BIN
# overrides), started fresh with a temp data dir and --executor host;
# Python xgboost is Debian's python3-xgboost; the load generator is
# bench/epload.c, compiled here into bench/.venv/bin.  Full mode: about
# 5 minutes on 2 cores; --quick: about a minute.
set -euo pipefail
cd "$(dirname "$0")"
. ./lib.sh
need_sagelite xgboost
./setup.sh
build_loadgen epload -Wno-unused-function
exec .venv/bin/python xgboost.py --loadgen "$(realpath "$loadgen")" --sagelite "$(realpath "$bin")" "$@"
