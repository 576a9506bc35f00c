#!/bin/bash
# tests/fuzz/run-libfuzzer.sh - run the parse+validate fuzz target under
# libFuzzer (clang, -fsanitize=fuzzer,address,undefined) for a bounded time.
#
# Builds tests/fuzz-parse-libfuzzer in its own build directory (clang),
# seeds a working corpus from tests/fuzz/corpus/ (kept in the build
# directory between runs, so coverage accumulates), and uses a dictionary
# of YAML syntax and every key name from reconciler/keys.c. A crash, leak,
# sanitizer report or timeout makes the script fail and leaves the input in
# BUILDDIR/fuzz-artifacts/; add it to tests/fuzz/corpus/ once fixed.
#
# usage: tests/fuzz/run-libfuzzer.sh [SECONDS (default 60)] [BUILDDIR (default build-fuzz)]
set -euo pipefail

secs=${1:-60}
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${2:-$src/build-fuzz}
jobs=${FUZZ_JOBS:-1}

command -v clang >/dev/null || { echo "clang is needed for libFuzzer" >&2; exit 1; }
if [ ! -f "$build/build.ninja" ]; then
	CC=clang meson setup "$build" "$src" -Dbuildtype=debugoptimized >/dev/null
fi
ninja -C "$build" tests/fuzz-parse-libfuzzer >/dev/null
bin="$build/tests/fuzz-parse-libfuzzer"

corpus="$build/fuzz-corpus"
artifacts="$build/fuzz-artifacts"
mkdir -p "$corpus" "$artifacts"

# YAML syntax plus every key the table knows, quoted for libFuzzer
dict="$build/fuzz.dict"
{
	for t in '---' '...' ': ' '- ' '&a ' '*a' '!!str ' '!!int ' '? ' '<<: ' '|' '>-' '{' '}' \
		'[' ']' ', ' '"' "'" '#' 'kind: ' 'name: ' 'config:' 'devices:' 'profiles:' \
		'source:' 'image: ' 'copy: ' 'template: ' 'files:' 'snapshots:' 'depends_on:' \
		'location:' 'type: ' 'nic' 'disk' 'unix-char' 'none' 'path: ' 'content: ' \
		'allow_raw_lxc: ' 'default_profiles:' 'disk_sources:' 'hosts:' 'true' 'false' \
		'512MB' '1GiB' '40%' '50ms/200ms' '0-1,3' '@daily' '2w' '0644' '100Mbit' '30iops'; do
		printf '"%s"\n' "$(printf '%s' "$t" | sed 's/\\/\\\\/g;s/"/\\"/g')"
	done
	sed -n 's/^\(ROW\|NOPE\|NOPE_PREFIX\)("\([^"]*\)".*/"\2"/p' "$src/reconciler/keys.c" | sort -u
} >"$dict"

echo "fuzzing for ${secs}s with $jobs job(s); corpus $corpus, artifacts $artifacts"
# with several jobs libFuzzer writes fuzz-N.log into the current directory
par=()
[ "$jobs" -gt 1 ] && par=(-jobs="$jobs" -workers="$jobs")
set +e
(cd "$build" && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
	-print_final_stats=1 "${par[@]}" \
	-artifact_prefix="$artifacts/" -dict="$dict" "$corpus" "$src/tests/fuzz/corpus")
rc=$?
set -e
if [ "$rc" -ne 0 ] || [ -n "$(ls -A "$artifacts")" ]; then
	echo "libFuzzer found a problem (exit $rc); inputs in $artifacts:" >&2
	ls -l "$artifacts" >&2
	exit 1
fi
echo "no crash in ${secs}s; corpus now $(ls "$corpus" | wc -l) inputs"
