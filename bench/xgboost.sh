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
bin=${SAGELITE_BIN:-../build/release/sagelite}
[ -x "$bin" ] || { echo "build first: $bin missing (scripts/test.sh or configure in build/release)" >&2; exit 1; }
[ -x "$(dirname "$bin")/sagelite-xgboost" ] || { echo "$(dirname "$bin")/sagelite-xgboost missing (configured without libxgboost?)" >&2; exit 1; }
./setup.sh
loadgen=.venv/bin/epload
if [ ! -x "$loadgen" ] || [ epload.c -nt "$loadgen" ] || [ httpconn.h -nt "$loadgen" ] ||
	[ sigv4lite.h -nt "$loadgen" ] || [ loadgen.h -nt "$loadgen" ]; then
	gcc -O2 -std=gnu11 -Wall -Wextra -Wno-unused-function -o "$loadgen" epload.c -lcrypto -lpthread
fi
exec .venv/bin/python xgboost.py --loadgen "$(realpath "$loadgen")" --sagelite "$(realpath "$bin")" "$@"
