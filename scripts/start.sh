#!/usr/bin/env bash
# start.sh — the one "install, build and run" command (README Quick start):
# installs missing Debian packages, builds sagelite in build/release and runs
# `sagelite serve` in the foreground on the default embedded store
# (~/.local/share/sagelite).  Extra arguments go to `sagelite serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)
scripts/install-deps.sh
if [ ! -x configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt Makefile.in ]; then
	autoreconf -fi
fi
mkdir -p build/release
( cd build/release && { [ -f Makefile ] || "$top/configure" -q; } && make -j"$(nproc)" >/dev/null )
exec build/release/sagelite serve "$@"
