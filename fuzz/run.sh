#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Run every libFuzzer target for SECONDS (default 60) each, one after the
# other, on a copy of its corpus plus its regressions. Builds build-fuzz
# (clang, libFuzzer, ASan+UBSan) first if needed. Crashers (crash-, leak-,
# timeout-, oom-) are minimised into fuzz/regressions/TARGET/; the exit
# status is 1 if any target found one. One summary line per target.
#
#   fuzz/run.sh [SECONDS] [TARGET...]      TARGET: pipeline napt topology ctl dns
#   FUZZ_JOBS=2 fuzz/run.sh 600 pipeline   libFuzzer's -fork=N
#   FUZZ_KEEP=1 ...                        new corpus entries go back into
#                                          fuzz/corpus/TARGET/ (merged, small)
set -u
cd "$(dirname "$0")/.."
SECONDS_EACH=${1:-60}
shift || true
# default: every fuzz/fuzz_*.c (tests/run counts them too)
TARGETS=${*:-$(ls fuzz/fuzz_*.c | sed 's|^fuzz/fuzz_||; s|\.c$||')}
BUILD=build-fuzz
WORK=$BUILD/fuzz-work
STATUS=0

if [ ! -f $BUILD/build.ninja ]; then
	CC=clang meson setup $BUILD -Dfuzz=true -Db_sanitize=address,undefined \
		-Db_lundef=false -Dbuildtype=debugoptimized > /dev/null || exit 2
fi
ninja -C $BUILD > $BUILD/fuzz-build.log 2>&1 || { tail -30 $BUILD/fuzz-build.log; exit 2; }

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:symbolize=1
export LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp:print_suppressions=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:abort_on_error=1

for t in $TARGETS; do
	bin=$BUILD/fuzz/fuzz_$t
	[ -x "$bin" ] || { echo "$t: no $bin"; STATUS=2; continue; }
	w=$WORK/$t
	rm -rf "$w"
	mkdir -p "$w/corpus" "$w/artifacts" fuzz/regressions/$t
	cp fuzz/corpus/$t/* "$w/corpus/" 2>/dev/null
	cp fuzz/regressions/$t/* "$w/corpus/" 2>/dev/null
	rm -f "$w/corpus/.gitkeep"
	fork=()
	[ -n "${FUZZ_JOBS:-}" ] && fork=(-fork="$FUZZ_JOBS" -ignore_crashes=1)
	"$bin" -max_total_time="$SECONDS_EACH" -rss_limit_mb=2048 -timeout=10 \
		-max_len=65536 -len_control=200 -print_final_stats=1 "${fork[@]}" \
		-artifact_prefix="$w/artifacts/" "$w/corpus" > "$w/log" 2>&1
	rc=$?
	execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$w/log" | grep -o '[0-9]*$' | tail -1)
	rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$w/log" | grep -o '[0-9]*$' | tail -1)
	last=$(grep -E '(#[0-9]+|cov:)' "$w/log" | grep -o 'cov: [0-9]* ft: [0-9]* corp: [0-9]*' | tail -1)
	found=0
	for a in "$w"/artifacts/*; do
		[ -f "$a" ] || continue
		found=$((found + 1))
		name=$(basename "$a")
		kind=${name%%-*}
		out=fuzz/regressions/$t/$kind-$(sha1sum "$a" | cut -c1-12)
		"$bin" -minimize_crash=1 -max_total_time=60 -rss_limit_mb=2048 -timeout=10 \
			-exact_artifact_path="$out" "$a" > "$w/minimize-$name.log" 2>&1
		[ -f "$out" ] || cp "$a" "$out"
		echo "$t: $kind: $out (log: $w/log)"
	done
	if [ "$found" -gt 0 ] || { [ "$rc" != 0 ] && [ ${#fork[@]} = 0 ]; }; then
		STATUS=1
	fi
	if [ -n "${FUZZ_KEEP:-}" ] && [ "$found" = 0 ]; then
		mkdir -p "$w/merged"
		"$bin" -merge=1 -rss_limit_mb=2048 -timeout=10 "$w/merged" \
			fuzz/corpus/$t "$w/corpus" > "$w/merge.log" 2>&1
		for f in "$w"/merged/*; do
			[ -f "$f" ] && [ ! -f fuzz/corpus/$t/"$(basename "$f")" ] &&
				cp "$f" fuzz/corpus/$t/
		done
	fi
	printf '%-9s %s execs in %ss (%s/s), %s, %d crasher(s), exit %d\n' "$t" \
		"${execs:-?}" "$SECONDS_EACH" "${rate:-?}" "${last:-no coverage line}" \
		"$found" "$rc"
done
exit $STATUS
