# lib.sh — sourced by the bench/*.sh wrappers after they cd into bench/:
# the sagelite binary to measure ($bin: SAGELITE_BIN, default
# ../build/release/sagelite) and the C load generators compiled into
# bench/.venv/bin.  Not run on its own.
bin=${SAGELITE_BIN:-../build/release/sagelite}

# need_sagelite [xgboost]: stop unless $bin (and, with xgboost, the
# sagelite-xgboost next to it) is there.
need_sagelite() {
	[ -x "$bin" ] || { echo "build first: $bin missing (scripts/test.sh or configure in build/release)" >&2; exit 1; }
	if [ "${1:-}" = xgboost ]; then
		[ -x "$(dirname "$bin")/sagelite-xgboost" ] ||
			{ echo "$(dirname "$bin")/sagelite-xgboost missing (configured without libxgboost?)" >&2; exit 1; }
	fi
}

# build_loadgen NAME [GCC FLAGS...]: compile NAME.c into .venv/bin/NAME when
# it is missing or older than its sources; sets $loadgen to its path.
build_loadgen() {
	local name=$1
	shift
	loadgen=.venv/bin/$name
	if [ ! -x "$loadgen" ] || [ "$name.c" -nt "$loadgen" ] || [ httpconn.h -nt "$loadgen" ] ||
		[ sigv4lite.h -nt "$loadgen" ] || [ loadgen.h -nt "$loadgen" ]; then
		gcc -O2 -std=gnu11 -Wall -Wextra "$@" -o "$loadgen" "$name.c" -lcrypto -lpthread
	fi
}
