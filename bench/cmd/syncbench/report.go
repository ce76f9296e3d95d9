package main

import (
	"fmt"
	"io"
	"slices"
	"time"
)

// result is one node's sync of the chain.
type result struct {
	node    string
	blocks  int
	txs     int
	seconds float64       // process start to the source's tip
	cpu     time.Duration // utime+stime at that moment
	hwmKB   int64         // VmHWM at that moment
	srcCPU  time.Duration // the source peer's CPU time over the sync
}

func (r result) blocksPerSec() float64 { return rate(r.blocks, r.seconds) }
func (r result) txPerSec() float64     { return rate(r.txs, r.seconds) }

// rate is n per seconds, 0 for no time.
func rate(n int, seconds float64) float64 {
	if seconds <= 0 {
		return 0
	}
	return float64(n) / seconds
}

// medianOf returns the median of xs (the mean of the middle two for an
// even count); xs is not changed.
func medianOf[T int64 | float64 | time.Duration](xs []T) T {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	m := len(s) / 2
	if len(s)%2 == 1 {
		return s[m]
	}
	return (s[m-1] + s[m]) / 2
}

// median returns, per node in order of first appearance, a result whose
// seconds, CPU and peak memory are each the median over that node's runs,
// and the number of runs.
func median(results []result) ([]result, []int) {
	var order []string
	byNode := map[string][]result{}
	for _, r := range results {
		if _, ok := byNode[r.node]; !ok {
			order = append(order, r.node)
		}
		byNode[r.node] = append(byNode[r.node], r)
	}
	var out []result
	var counts []int
	for _, name := range order {
		rs := byNode[name]
		var secs []float64
		var cpus []time.Duration
		var hwms []int64
		var srcs []time.Duration
		for _, r := range rs {
			secs = append(secs, r.seconds)
			cpus = append(cpus, r.cpu)
			hwms = append(hwms, r.hwmKB)
			srcs = append(srcs, r.srcCPU)
		}
		m := rs[0]
		m.seconds, m.cpu, m.hwmKB = medianOf(secs), medianOf(cpus), medianOf(hwms)
		m.srcCPU = medianOf(srcs)
		out = append(out, m)
		counts = append(counts, len(rs))
	}
	return out, counts
}

// ratio is a/b, 0 when b is 0.
func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// printReport writes the Markdown tables: every run, the medians, and
// ternd against btcd when both were measured.
func printReport(out io.Writer, cfg *config, chain *genChain, results []result, load0, load1 string) {
	kind := "P2WPKH spends with real ECDSA signatures"
	if !cfg.spec.signed {
		kind = "OP_TRUE spends, no signatures"
	}
	fmt.Fprintf(out, "chain: %d blocks, %d transactions (%s), %.1f MB; source peer: %s; load average %s -> %s\n\n",
		len(chain.blocks), chain.txs, kind, float64(chainBytes(chain))/1e6, cfg.source, load0, load1)
	gogc := cfg.gogc
	if gogc == "" {
		gogc = "as shipped (btcd 10, ternd 100)"
	}
	fmt.Fprintf(out, "GOGC: %s\n\n", gogc)
	if cfg.runs > 1 {
		fmt.Fprintln(out, "| run | node | seconds | blocks/s | tx/s | CPU s | peak RSS MiB | source CPU s |")
		fmt.Fprintln(out, "|---:|---|---:|---:|---:|---:|---:|---:|")
		seen := map[string]int{}
		for _, r := range results {
			seen[r.node]++
			fmt.Fprintf(out, "| %d | %s | %.2f | %.0f | %.0f | %.1f | %.1f | %.1f |\n", seen[r.node], r.node,
				r.seconds, r.blocksPerSec(), r.txPerSec(), r.cpu.Seconds(), float64(r.hwmKB)/1024,
				r.srcCPU.Seconds())
		}
		fmt.Fprintln(out)
	}
	meds, counts := median(results)
	fmt.Fprintln(out, "| node | runs | seconds | blocks/s | tx/s | CPU s | CPU µs/tx | peak RSS MiB | source CPU s |")
	fmt.Fprintln(out, "|---|---:|---:|---:|---:|---:|---:|---:|---:|")
	for i, r := range meds {
		fmt.Fprintf(out, "| %s | %d | %.2f | %.0f | %.0f | %.1f | %.0f | %.1f | %.1f |\n", r.node, counts[i],
			r.seconds, r.blocksPerSec(), r.txPerSec(), r.cpu.Seconds(),
			ratio(float64(r.cpu.Microseconds()), float64(r.txs)), float64(r.hwmKB)/1024, r.srcCPU.Seconds())
	}
	var t, b *result
	for i := range meds {
		switch meds[i].node {
		case "ternd":
			t = &meds[i]
		case "btcd":
			b = &meds[i]
		}
	}
	if t != nil && b != nil {
		fmt.Fprintln(out)
		fmt.Fprintln(out, "| ternd ÷ btcd | speed (blocks/s, tx/s) | CPU s | peak RSS |")
		fmt.Fprintln(out, "|---|---:|---:|---:|")
		fmt.Fprintf(out, "| median | %.2f | %.2f | %.2f |\n", ratio(t.txPerSec(), b.txPerSec()),
			ratio(t.cpu.Seconds(), b.cpu.Seconds()), ratio(float64(t.hwmKB), float64(b.hwmKB)))
	}
}
