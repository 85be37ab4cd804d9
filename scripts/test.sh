#!/usr/bin/env bash
# test.sh — the one test command (README Quick start; .ci/run calls it).
# Installs what is missing, then for each build — release (-Werror) and
# sanitizers (ASan+UBSan) — builds out of tree, runs the unit tests and fuzz
# corpus replays (make check) and the integration suite (pytest, real boto3
# and aws CLI against the built daemon); then `make distcheck`.  Ends with
# one line: "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)
jobs=$(nproc 2>/dev/null || echo 2)

scripts/install-deps.sh --test || { echo "0 passed, 1 failed"; exit 1; }
if [ ! -x configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt Makefile.in ]; then
	autoreconf -fi >/dev/null 2>&1 || { echo "autoreconf failed"; echo "0 passed, 1 failed"; exit 1; }
fi

results=$top/build/results
rm -rf "$results"
mkdir -p "$results"
fail_steps=0

step() { # name, command...: run a step that is not itself a test count
	local name=$1; shift
	if ! "$@" >"$results/$name.out" 2>&1; then
		echo "FAILED: $name (see $results/$name.out)"
		tail -n 40 "$results/$name.out"
		fail_steps=$((fail_steps + 1))
		return 1
	fi
}

run_variant() { # name, configure flags...
	local v=$1; shift
	local dir=$top/build/$v
	echo "== $v build"
	mkdir -p "$dir"
	( cd "$dir" && { [ -f Makefile ] || "$top/configure" -q --enable-werror "$@"; } ) >"$results/$v-configure.out" 2>&1 ||
		{ echo "FAILED: configure ($v)"; tail -n 20 "$results/$v-configure.out"; fail_steps=$((fail_steps + 1)); return; }
	step "$v-build" make -C "$dir" -j"$jobs" || return
	echo "== $v unit tests"
	step "$v-check" make -C "$dir" -j"$jobs" check
	cp "$dir"/tests/unit/*.log "$dir"/tests/fuzz/*.log "$results/" 2>/dev/null
	for f in "$dir"/tests/unit/*.log "$dir"/tests/fuzz/*.log; do
		[ -f "$f" ] && cp "$f" "$results/$v-$(basename "$f")"
	done
	echo "== $v integration tests"
	SAGELITE_BIN="$dir/sagelite" .venv/bin/python -m pytest -q -p no:cacheprovider \
		--junitxml="$results/$v-pytest.xml" tests/integration >"$results/$v-pytest.out" 2>&1
	tail -n 3 "$results/$v-pytest.out"
}

run_variant release
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0} \
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
	run_variant sanitizers --enable-debug --enable-sanitizers

echo "== Python inference server tests (system python3: numpy, torch, sklearn)"
/usr/bin/python3 -m pytest -q -p no:cacheprovider --junitxml="$results/python-pytest.xml" \
	tests/python >"$results/python-pytest.out" 2>&1
tail -n 3 "$results/python-pytest.out"

echo "== course notebooks end to end (tests/e2e: SDK v1.72, v2, v3, boto3; release build)"
SAGELITE_BIN="$top/build/release/sagelite" .venv/bin/python -m pytest -q -p no:cacheprovider \
	--junitxml="$results/e2e-pytest.xml" tests/e2e >"$results/e2e-pytest.out" 2>&1
tail -n 3 "$results/e2e-pytest.out"

echo "== make distcheck"
step distcheck make -C "$top/build/release" -j"$jobs" distcheck

.venv/bin/python scripts/summarize-tests.py "$results" "$fail_steps"
