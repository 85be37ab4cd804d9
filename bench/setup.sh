#!/usr/bin/env bash
# setup.sh — the benchmark tools' own virtual environment, bench/.venv
# (moto's S3 server + boto3), created from the system Python.  Idempotent:
# does nothing when the venv already imports moto.server and boto3.
#   bench/setup.sh
set -euo pipefail
cd "$(dirname "$0")"
venv=.venv
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c 'import moto.server, boto3' 2>/dev/null; then
	exit 0
fi
py=/usr/bin/python3
[ -x "$py" ] || py=$(command -v python3)
echo "setup: creating bench/.venv with moto[server] and boto3 (once)" >&2
"$py" -m venv "$venv"
"$venv/bin/pip" install --quiet 'moto[server]' boto3 >&2
"$venv/bin/python" -c 'import moto.server, boto3' || { echo "setup: moto/boto3 install failed" >&2; exit 1; }
