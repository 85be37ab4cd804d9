#!/bin/sh
# replay-corpus.sh — run every fuzz harness over its seed corpus (make check).
# A crash or sanitizer report fails the test.
set -eu
srcdir=${srcdir:-.}
for h in tests/fuzz/fuzz_*; do
	case "$h" in *.c|*.o|*.sh) continue ;; esac
	name=$(basename "$h" | sed 's/^fuzz_//')
	corpus="$srcdir/tests/fuzz/corpus/$name"
	[ -d "$corpus" ] || { echo "no corpus for $h at $corpus"; exit 1; }
	"./$h" "$corpus"
	echo "replayed $(ls "$corpus" | wc -l) inputs through $h"
done
