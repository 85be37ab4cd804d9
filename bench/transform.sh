#!/usr/bin/env bash
# transform.sh — batch transform throughput: the built-in XGBoost over
# 1,000,000 CSV rows (SplitType Line, MultiRecord, MaxPayloadInMB 6) through
# a real transform job, in rows/s, against raw libxgboost predict on the
# same model and rows (Python xgboost's Booster.inplace_predict, nthread 2).
# A benchmark, not a test: prints a table with the ratio.
#   bench/transform.sh [--rows N] [--runs N]
# Uses build/release/sagelite and its sagelite-xgboost (SAGELITE_BIN
# overrides), started fresh with a temp data dir and --executor host.
# About a minute on 2 cores.
set -euo pipefail
cd "$(dirname "$0")"
. ./lib.sh
need_sagelite xgboost
./setup.sh
exec .venv/bin/python transform.py --sagelite "$(realpath "$bin")" "$@"
