#!/usr/bin/env bash
# Every test lxops has: installs what is missing, builds a normal and an
# ASan+UBSan tree, runs all meson suites (unit, corpus, generated, style,
# fuzz replay, lxc, e2e) in both, then a short libFuzzer run.
# Root runs the lxc and e2e suites on real containers in private lxcpaths;
# as a normal user they are skipped.
# Usage: tests/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."

tests/setup.sh --asan

# the same as the default meson test setup 'sanitizers' (tests/meson.build),
# which would override anything else: every report aborts, so it fails its test
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1

echo "== tests (gcc, -O2)"
meson test -C build --print-errorlogs --no-stdsplit
echo "== tests (ASan + UBSan)"
meson test -C build-asan --print-errorlogs --no-stdsplit --timeout-multiplier 3

if [[ -x tests/fuzz/run-libfuzzer.sh ]] && command -v clang >/dev/null; then
	echo "== fuzz (libFuzzer, 60 s)"
	tests/fuzz/run-libfuzzer.sh 60
fi
echo "== all tests passed"
