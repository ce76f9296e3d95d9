package main

import (
	"cmp"
	"context"
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/btcsuite/btcd/btcec/v2/ecdsa"
	"github.com/tern-org/ternd/bench/internal/benchnode"
)

// config is the command line.
type config struct {
	n        int
	depth    int
	batch    int
	senders  int
	runs     int
	feeRate  float64
	nodes    []string
	repo     string
	btcdBin  string
	terndBin string
	src      string
	keep     bool
	gogc     string
	noFeeCap bool
	timeout  time.Duration
	btcdArgs []string
	terndArg []string
}

// logf prints a progress line to stderr.
func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s txaccept: %s\n", time.Now().UTC().Format("15:04:05.000"),
		fmt.Sprintf(format, args...))
}

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		logf("error: %v", err)
		os.Exit(1)
	}
}

// parseFlags reads the command line.
func parseFlags(args []string) (*config, error) {
	cfg := &config{}
	fs := flag.NewFlagSet("txaccept", flag.ContinueOnError)
	fs.IntVar(&cfg.n, "n", 5000, "transactions per phase (independent; chains get n/depth chains)")
	fs.IntVar(&cfg.depth, "depth", 25, "chain depth (the ancestor limit of both nodes is 25)")
	fs.IntVar(&cfg.batch, "batch", 100, "transactions per JSON-RPC batch")
	fs.IntVar(&cfg.senders, "senders", 4, "concurrent RPC senders")
	fs.IntVar(&cfg.runs, "runs", 1, "runs per node, interleaved (btcd, ternd, btcd, ...); the median is reported")
	fs.Float64Var(&cfg.feeRate, "feerate", 2, "fee rate in sat/vB (both nodes need at least 1)")
	nodes := fs.String("nodes", "btcd,ternd", "nodes to measure, in order (btcd, ternd)")
	fs.StringVar(&cfg.repo, "repo", "", "ternd repository root (default: found above the working folder)")
	fs.StringVar(&cfg.btcdBin, "btcd", "", "btcd binary (default: <repo>/tools/bin/btcd, installed when missing)")
	fs.StringVar(&cfg.terndBin, "ternd", "", "ternd binary (default: go build of <repo> into a temporary folder)")
	fs.StringVar(&cfg.src, "src", "head", "ternd source to build: head (the committed HEAD, through git archive) or tree (the working tree)")
	fs.StringVar(&cfg.gogc, "gogc", "", "GOGC for both nodes (default: each node's own; btcd sets 10 unless GOGC is set, ternd keeps Go's 100)")
	fs.BoolVar(&cfg.noFeeCap, "nofeecap", false, "send maxfeerate=0 to ternd (no fee-cap test acceptance) and allowhighfees=true to btcd")
	fs.BoolVar(&cfg.keep, "keep", false, "keep the nodes' temporary folders (logs) and print where")
	fs.DurationVar(&cfg.timeout, "timeout", 15*time.Minute, "give up after this long")
	btcdArgs := fs.String("btcdargs", "", "extra btcd flags, space separated")
	terndArgs := fs.String("terndargs", "", "extra ternd flags, space separated")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if cfg.n < 1 || cfg.depth < 1 || cfg.depth > cfg.n || cfg.batch < 1 || cfg.senders < 1 || cfg.feeRate < 1 ||
		cfg.runs < 1 {
		return nil, errors.New("need -n >= -depth >= 1, -batch >= 1, -senders >= 1, -feerate >= 1, -runs >= 1")
	}
	if cfg.src != "head" && cfg.src != "tree" {
		return nil, fmt.Errorf("-src: want head or tree, got %q", cfg.src)
	}
	for _, name := range strings.Split(*nodes, ",") {
		name = strings.TrimSpace(name)
		if name != "btcd" && name != "ternd" {
			return nil, fmt.Errorf("-nodes: unknown node %q", name)
		}
		cfg.nodes = append(cfg.nodes, name)
	}
	cfg.btcdArgs = strings.Fields(*btcdArgs)
	cfg.terndArg = strings.Fields(*terndArgs)
	return cfg, nil
}

// run is main with an error.
func run(args []string, out io.Writer) error {
	benchnode.Logf = logf
	cfg, err := parseFlags(args)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, cfg.timeout)
	defer cancel()

	if cfg.repo == "" {
		if cfg.repo, err = benchnode.FindRepo(); err != nil {
			return err
		}
	}
	w, err := newWallet()
	if err != nil {
		return err
	}
	load0 := benchnode.LoadAvg()
	verify := ecdsaVerifyTime()
	logf("ECDSA verify here: %v; mining address %s", verify, w.addr)

	runs := make(map[string][]nodeResult)
	for i := range cfg.runs {
		for _, name := range cfg.nodes {
			if cfg.runs > 1 {
				logf("run %d of %d: %s", i+1, cfg.runs, name)
			}
			r, err := runNode(ctx, name, w, cfg)
			if err != nil {
				return err
			}
			runs[name] = append(runs[name], r)
		}
	}
	var results []nodeResult
	for _, name := range cfg.nodes {
		results = append(results, median(runs[name]))
	}
	printReport(out, cfg, results, verify, load0, benchnode.LoadAvg())
	return nil
}

// runNode builds or finds the binary, starts the node in a temporary
// folder, measures it and always stops it and removes the folder.
func runNode(ctx context.Context, name string, w *wallet, cfg *config) (nodeResult, error) {
	dir, err := os.MkdirTemp("", "txaccept-"+name+"-")
	if err != nil {
		return nodeResult{}, err
	}
	defer func() {
		if cfg.keep {
			logf("%s: kept %s", name, dir)
			return
		}
		os.RemoveAll(dir)
	}()
	var env []string
	if cfg.gogc != "" {
		env = []string{"GOGC=" + cfg.gogc}
	}
	var n *node
	t0 := time.Now()
	switch name {
	case "btcd":
		bin := cfg.btcdBin
		if bin == "" {
			if bin, err = benchnode.InstallBtcd(cfg.repo); err != nil {
				return nodeResult{}, err
			}
		}
		n, err = startBtcd(ctx, bin, dir, w.addr, cfg.btcdArgs, env)
	case "ternd":
		bin := cfg.terndBin
		if bin == "" {
			if bin, err = benchnode.BuildTernd(ctx, cfg.repo, cfg.src, dir); err != nil {
				return nodeResult{}, err
			}
			t0 = time.Now()
		}
		n, err = startTernd(ctx, bin, dir, w.addr, cfg.terndArg, env)
	}
	if err != nil {
		return nodeResult{}, err
	}
	defer n.Stop()
	startup := time.Since(t0)
	logf("%s: started (pid %d) in %v", name, n.PID(), startup.Round(time.Millisecond))
	r, err := measure(ctx, n, w, cfg)
	r.startupTime = startup
	if err != nil {
		if ctx.Err() != nil {
			return r, fmt.Errorf("%s: %w", name, err)
		}
		return r, fmt.Errorf("%s: %w\n%s", name, err, n.Tail())
	}
	return r, nil
}

// median combines the runs of one node: each phase is the run with the
// median rate, the pool and memory figures those of the run with the median
// memory per pooled transaction.
func median(runs []nodeResult) nodeResult {
	byMem := slices.Clone(runs)
	slices.SortFunc(byMem, func(a, b nodeResult) int { return cmp.Compare(a.rssPerPooledTx(), b.rssPerPooledTx()) })
	res := byMem[len(byMem)/2]
	res.phases = nil
	for i := range runs[0].phases {
		var ps []phaseResult
		for _, r := range runs {
			if i < len(r.phases) {
				ps = append(ps, r.phases[i])
			}
		}
		slices.SortFunc(ps, func(a, b phaseResult) int { return cmp.Compare(a.rate(), b.rate()) })
		res.phases = append(res.phases, ps[len(ps)/2])
	}
	return res
}

// ecdsaVerifyTime measures one btcec ECDSA verification on this machine
// now (best of three rounds), the reference for "signature checking is the dominant cost".
func ecdsaVerifyTime() time.Duration {
	w, _ := newWallet()
	const n = 300
	msgs := make([][]byte, n)
	sigs := make([]*ecdsa.Signature, n)
	for i := range n {
		h := sha256.Sum256([]byte{byte(i), byte(i >> 8)})
		msgs[i] = h[:]
		sigs[i] = ecdsa.Sign(w.key, h[:])
	}
	pub := w.key.PubKey()
	best := time.Duration(1 << 62)
	for range 3 {
		start := time.Now()
		for i := range n {
			sigs[i].Verify(msgs[i], pub)
		}
		best = min(best, time.Since(start)/n)
	}
	return best
}

// printReport writes the Markdown tables.
func printReport(out io.Writer, cfg *config, results []nodeResult, verify time.Duration, load0, load1 string) {
	gogc := cfg.gogc
	if gogc == "" {
		gogc = "node defaults (btcd 10, ternd 100)"
	}
	fmt.Fprintf(out, "txaccept: n=%d depth=%d batch=%d senders=%d feerate=%g sat/vB runs=%d (median) GOGC=%s "+
		"nofeecap=%v; %d CPUs; load %s -> %s; ECDSA verify %.0f µs here; %s\n\n",
		cfg.n, cfg.depth, cfg.batch, cfg.senders, cfg.feeRate, cfg.runs, gogc, cfg.noFeeCap, runtime.NumCPU(), load0, load1,
		float64(verify.Nanoseconds())/1e3, time.Now().UTC().Format("2006-01-02 15:04 UTC"))
	fmt.Fprintln(out, "| node | phase | txs | accepted | seconds | tx/s | node CPU µs/tx | client CPU µs/tx | ΔRSS KiB |")
	fmt.Fprintln(out, "|---|---|---:|---:|---:|---:|---:|---:|---:|")
	for _, r := range results {
		for _, p := range r.phases {
			fmt.Fprintf(out, "| %s | %s | %d | %d | %.2f | %.0f | %.0f | %.0f | %d |\n", r.name, p.name, p.txs,
				p.accepted, p.elapsed.Seconds(), p.rate(), float64(p.cpuPerTx().Nanoseconds())/1e3,
				float64(p.clientPerTx().Nanoseconds())/1e3, p.rssDelta)
		}
	}
	fmt.Fprintln(out)
	fmt.Fprintln(out, "| node | pool txs | pool bytes¹ | pool usage² | RSS start MiB | RSS end MiB | "+
		"RSS growth B/pooled tx | node CPU µs/tx (all) | start s | funding s |")
	fmt.Fprintln(out, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, r := range results {
		usage := "-"
		if r.pool.Usage != nil {
			usage = fmt.Sprint(*r.pool.Usage)
		}
		var cpu time.Duration
		acc := 0
		for _, p := range r.phases {
			cpu += p.cpu
			acc += p.accepted
		}
		perTx := 0.0
		if acc > 0 {
			perTx = float64(cpu.Nanoseconds()) / 1e3 / float64(acc)
		}
		fmt.Fprintf(out, "| %s | %d | %d | %s | %.1f | %.1f | %.0f | %.0f | %.2f | %.2f |\n", r.name,
			r.pool.Size, r.pool.Bytes, usage, float64(r.rssStartKB)/1024, float64(r.rssEndKB)/1024,
			r.rssPerPooledTx(), perTx, r.startupTime.Seconds(), r.fundTime.Seconds())
	}
	fmt.Fprintln(out, "\n¹ getmempoolinfo bytes: btcd sums serialized sizes, ternd virtual sizes (as Core). "+
		"² ternd's estimate of the pool's memory (Core's usage); btcd reports none.")
	var btcd, ternd *nodeResult
	for i := range results {
		switch results[i].name {
		case "btcd":
			btcd = &results[i]
		case "ternd":
			ternd = &results[i]
		}
	}
	if btcd == nil || ternd == nil {
		return
	}
	fmt.Fprintln(out)
	fmt.Fprintln(out, "| phase | ternd ÷ btcd tx/s | btcd ÷ ternd CPU/tx |")
	fmt.Fprintln(out, "|---|---:|---:|")
	for i := range min(len(btcd.phases), len(ternd.phases)) {
		b, t := btcd.phases[i], ternd.phases[i]
		fmt.Fprintf(out, "| %s | %.2f | %.2f |\n", b.name, ratio(t.rate(), b.rate()),
			ratio(float64(b.cpuPerTx()), float64(t.cpuPerTx())))
	}
}

// ratio is a/b, or 0 when b is 0.
func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}
