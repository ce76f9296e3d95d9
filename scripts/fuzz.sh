#!/usr/bin/env bash
# fuzz.sh DURATION: runs every Go fuzz target in the module for DURATION each.
# Targets are found by their `func FuzzXxx(f *testing.F)` declarations, so a new
# target is picked up without editing this script or the Makefile.
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-3s}
# Short runs (make test) skip minimising new inputs: when -fuzztime ends in the
# middle of a minimisation, go test reports "context deadline exceeded" as a
# failure although nothing failed. Long runs (make fuzz) keep Go's default.
minimize=()
if [ "${FUZZ_MINIMIZE:-}" = "0" ]; then
	minimize=(-fuzzminimizetime=0)
fi
status=0
while IFS= read -r line; do
	file=${line%%:*}
	name=$(sed -E 's/^.*func (Fuzz[A-Za-z0-9_]*)\(.*/\1/' <<<"${line#*:}")
	pkg=$(dirname "$file")
	echo "fuzz: $pkg $name ($duration)"
	if ! go test -run='^$' -fuzz="^${name}\$" -fuzztime="$duration" "${minimize[@]}" "$pkg"; then
		status=1
	fi
done < <(grep -rEH --include='*_test.go' '^func Fuzz[A-Za-z0-9_]*\(f \*testing\.F\)' . | grep -v '^./bench/' | sort)
exit $status
