#!/usr/bin/env bash
# wire_table.sh [COUNT] [BENCHTIME]: runs the ternd-vs-btcd wire benchmarks
# COUNT times and prints, per benchmark, the median ns/op with B/op and
# allocs/op, as a Markdown table.
set -euo pipefail
cd "$(dirname "$0")"
count=${1:-5}
benchtime=${2:-200ms}
go test -run='^$' -bench='^BenchmarkWire' -benchmem -benchtime="$benchtime" -count="$count" . |
	awk '/^BenchmarkWire/ {
		name = $1; sub(/^BenchmarkWire/, "", name); sub(/-[0-9]+$/, "", name)
		if (!(name in n)) order[++k] = name
		ns[name, ++n[name]] = $3; bytes[name] = $5; allocs[name] = $7
	}
	END {
		print "| benchmark | ns/op (median) | B/op | allocs/op |"
		print "|---|---:|---:|---:|"
		for (i = 1; i <= k; i++) {
			name = order[i]; m = n[name]
			for (a = 1; a <= m; a++) v[a] = ns[name, a] + 0
			for (a = 1; a <= m; a++) for (b = a + 1; b <= m; b++) if (v[b] < v[a]) { t = v[a]; v[a] = v[b]; v[b] = t }
			med = (m % 2) ? v[(m + 1) / 2] : (v[m / 2] + v[m / 2 + 1]) / 2
			printf "| %s | %.0f | %s | %s |\n", name, med, bytes[name], allocs[name]
		}
	}'
