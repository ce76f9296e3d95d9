#!/usr/bin/env bash
# fuzz.sh BUDGET: runs every Go fuzz target in the module for BUDGET each,
# either a duration (2m) or an execution count (20000x), as -fuzztime takes.
# Targets are found by their `func FuzzXxx(f *testing.F)` declarations, so a
# new target is picked up without editing this script or the Makefile.
#
# make test uses a count: with a duration, Go 1.26's fuzz coordinator can
# report "context deadline exceeded" as a failure when the time runs out
# while a worker is mid-call (golang/go#75804, fixed in Go 1.27); a count
# has no deadline to race. For durations (make fuzz) a failure whose output
# is only that message, with no failing input written and no panic, is
# retried once; any other failure fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
budget=${1:-20000x}
# Short runs (make test) skip minimising new inputs, which keeps a count
# budget's time bounded. Long runs (make fuzz) keep Go's default.
minimize=()
if [ "${FUZZ_MINIMIZE:-}" = "0" ]; then
	minimize=(-fuzzminimizetime=0)
fi

# deadline_flake reports whether the go test output in $1 is only the
# coordinator's deadline race: "context deadline exceeded" and nothing a
# real finding prints.
deadline_flake() {
	grep -q 'context deadline exceeded' "$1" &&
		! grep -qE 'Failing input written|panic:|_test\.go:[0-9]+:' "$1"
}

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
while IFS= read -r line; do
	file=${line%%:*}
	name=$(sed -E 's/^.*func (Fuzz[A-Za-z0-9_]*)\(.*/\1/' <<<"${line#*:}")
	pkg=$(dirname "$file")
	for attempt in 1 2; do
		echo "fuzz: $pkg $name ($budget)"
		if go test -run='^$' -fuzz="^${name}\$" -fuzztime="$budget" "${minimize[@]}" "$pkg" 2>&1 | tee "$log"; then
			break
		fi
		if [ "$attempt" = 1 ] && deadline_flake "$log"; then
			echo "fuzz: $name hit Go's fuzztime deadline race (golang/go#75804), no failing input; running it again"
			continue
		fi
		status=1
		break
	done
done < <(grep -rEH --include='*_test.go' '^func Fuzz[A-Za-z0-9_]*\(f \*testing\.F\)' . | grep -v '^./bench/' | sort)
exit $status
