#!/usr/bin/env bash
# tuning.sh — hyperparameter tuning jobs really search (jobs/tuning.c over
# jobs/search.c): (1) the tuning loop's overhead per child beyond the
# child's own run (issue target < 100 ms), for Random and Bayesian; (2) the
# median best objective after 10 and 20 jobs of Random vs Bayesian over 10
# seeds on the known function -(x-0.3)^2-(log10(y)+2)^2 (optimum 0; Bayesian
# must win).  A benchmark, not a test: prints tables.  No peer runs tuning
# for real (moto answers a constant fake winner), so Random is the baseline
# the ratio is taken against.
#   bench/tuning.sh [--seeds N] [--jobs N] [--overhead-jobs N]
# Uses build/release/sagelite (SAGELITE_BIN overrides) with --executor host
# and a --runtime-map mapping local/objective-trainer:* to a tiny Python
# program written into bench/.venv; boto3 from bench/.venv (bench/setup.sh).
# About 2 minutes with the defaults.
set -euo pipefail
cd "$(dirname "$0")"
. ./lib.sh
need_sagelite
./setup.sh
exec .venv/bin/python tuning.py --sagelite "$(realpath "$bin")" "$@"
