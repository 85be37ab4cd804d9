#!/usr/bin/env bash
# demo.sh — the course's moon project end to end against a running sagelite:
# upload, PyTorch fit, deploy, predict, the metrics table, delete — the
# notebook fixtures/moon/moon-sdk-v2.ipynb run unmodified with the SageMaker
# SDK v2 (.venv-sdk2) by scripts/run-notebook.py, which prints the wall time
# of each phase split into the SDK's polling sleeps and the rest.
#
#   scripts/demo.sh                 # the SDK's sleeps cut to 0.2 s: sagelite's own time
#   POLL_CAP=none scripts/demo.sh   # the SDK's real polling (30 s before an endpoint is checked)
#
# Uses the environment of `eval "$(sagelite env)"` when AWS_ENDPOINT_URL is
# set, else runs `sagelite env` itself ($SAGELITE_BIN, default ./sagelite).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${AWS_ENDPOINT_URL:-}" ]; then
	eval "$("${SAGELITE_BIN:-./sagelite}" env)"
fi
python=.venv-sdk2/bin/python
[ -x "$python" ] || { echo "demo: $python missing: run scripts/install-deps.sh --test" >&2; exit 1; }
cap=()
[ "${POLL_CAP:-0.2}" = none ] || cap=(--poll-cap "${POLL_CAP:-0.2}")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
SAGEMAKER_SUPPRESS_V2_WARNING=1 "$python" scripts/run-notebook.py fixtures/moon/moon-sdk-v2.ipynb \
	--workdir "$work/moon" --netguard --show evaluate "${cap[@]}" 2> >(grep -v 'IPKernelApp' >&2)
