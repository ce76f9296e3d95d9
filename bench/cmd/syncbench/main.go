package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/tern-org/ternd/bench/internal/benchnode"
)

// config is the command line.
type config struct {
	spec     chainSpec
	runs     int
	nodes    []string
	source   string
	repo     string
	btcdBin  string
	terndBin string
	src      string
	keep     bool
	gogc     string
	cache    string
	timeout  time.Duration
	btcdArgs []string
	terndArg []string
}

// logf prints a progress line to stderr.
func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s syncbench: %s\n", time.Now().UTC().Format("15:04:05.000"),
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
	fs := flag.NewFlagSet("syncbench", flag.ContinueOnError)
	fs.IntVar(&cfg.spec.blocks, "blocks", 2000, "blocks after genesis")
	fs.IntVar(&cfg.spec.txPerBlock, "txs", 52, "spends per block after the first 102")
	fs.IntVar(&cfg.spec.pool, "pool", 10000, "outputs of the split transaction the spends cycle through")
	fs.BoolVar(&cfg.spec.signed, "signed", true, "P2WPKH outputs and real ECDSA signatures (false: OP_TRUE, no signatures)")
	fs.IntVar(&cfg.runs, "runs", 1, "runs per node, interleaved (ternd, btcd, ternd, ...); the median is reported")
	nodes := fs.String("nodes", "ternd,btcd", "syncing nodes, in order (ternd, btcd)")
	fs.StringVar(&cfg.source, "source", "ternd", "the source peer's implementation (ternd or btcd)")
	fs.StringVar(&cfg.repo, "repo", "", "ternd repository root (default: found above the working folder)")
	fs.StringVar(&cfg.btcdBin, "btcd", "", "btcd binary (default: <repo>/tools/bin/btcd, installed when missing)")
	fs.StringVar(&cfg.terndBin, "ternd", "", "ternd binary (default: go build of <repo> into a temporary folder)")
	fs.StringVar(&cfg.src, "src", "head", "ternd source to build: head (the committed HEAD, through git archive) or tree (the working tree)")
	fs.StringVar(&cfg.gogc, "gogc", "", "GOGC for the syncing nodes (default: each node's own; btcd sets 10 unless GOGC is set, ternd keeps Go's 100)")
	fs.StringVar(&cfg.cache, "cache", "", "folder of the generated-chain cache (default: <user cache>/ternd-syncbench)")
	fs.BoolVar(&cfg.keep, "keep", false, "keep the nodes' temporary folders (logs) and print where")
	fs.DurationVar(&cfg.timeout, "timeout", 10*time.Minute, "give up on one sync after this long")
	btcdArgs := fs.String("btcdargs", "", "extra flags for the syncing btcd, space separated")
	terndArgs := fs.String("terndargs", "", "extra flags for the syncing ternd, space separated")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	for _, n := range strings.Split(*nodes, ",") {
		n = strings.TrimSpace(n)
		if n != "btcd" && n != "ternd" {
			return nil, fmt.Errorf("-nodes: unknown node %q", n)
		}
		cfg.nodes = append(cfg.nodes, n)
	}
	if cfg.source != "btcd" && cfg.source != "ternd" {
		return nil, fmt.Errorf("-source: unknown node %q", cfg.source)
	}
	if cfg.runs < 1 {
		return nil, errors.New("-runs must be at least 1")
	}
	if cfg.src != "head" && cfg.src != "tree" {
		return nil, fmt.Errorf("-src: want head or tree, got %q", cfg.src)
	}
	cfg.btcdArgs = strings.Fields(*btcdArgs)
	cfg.terndArg = strings.Fields(*terndArgs)
	if cfg.cache == "" {
		cfg.cache = cacheDir()
	}
	return cfg, nil
}

// run is the whole benchmark.
func run(args []string, out io.Writer) error {
	benchnode.Logf = logf
	cfg, err := parseFlags(args)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if cfg.repo == "" {
		if cfg.repo, err = benchnode.FindRepo(); err != nil {
			return err
		}
	}
	work, err := os.MkdirTemp("", "syncbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)

	genStart := time.Now()
	chain, cached, err := loadOrMakeChain(cfg.spec, cfg.cache)
	if err != nil {
		return err
	}
	how := "generated"
	if cached {
		how = "read from the cache"
	}
	logf("chain %s in %.1fs: %d blocks, %d transactions, %.1f MB, tip %s", how,
		time.Since(genStart).Seconds(), len(chain.blocks), chain.txs, float64(chainBytes(chain))/1e6, chain.tip)

	bins := map[string]string{}
	need := append([]string{cfg.source}, cfg.nodes...)
	for _, n := range need {
		if bins[n] != "" {
			continue
		}
		switch n {
		case "ternd":
			bins[n] = cfg.terndBin
			if bins[n] == "" {
				if bins[n], err = benchnode.BuildTernd(ctx, cfg.repo, cfg.src, work); err != nil {
					return err
				}
			}
		case "btcd":
			bins[n] = cfg.btcdBin
			if bins[n] == "" {
				if bins[n], err = benchnode.InstallBtcd(cfg.repo); err != nil {
					return err
				}
			}
		}
	}

	load0 := benchnode.LoadAvg()
	src, err := startSource(ctx, cfg, bins[cfg.source], chain)
	if err != nil {
		return err
	}
	defer func() {
		src.Stop()
		if !cfg.keep {
			os.RemoveAll(src.Dir)
		}
	}()

	var results []result
	for r := 0; r < cfg.runs; r++ {
		for _, name := range cfg.nodes {
			res, err := syncNode(ctx, cfg, name, bins[name], src, chain)
			if err != nil {
				return err
			}
			logf("run %d %s: %.2fs, %.0f blocks/s, %.0f tx/s, CPU %.1fs, peak RSS %.1f MiB, source CPU %.1fs",
				r+1, name, res.seconds, res.blocksPerSec(), res.txPerSec(), res.cpu.Seconds(),
				float64(res.hwmKB)/1024, res.srcCPU.Seconds())
			results = append(results, res)
		}
	}
	load1 := benchnode.LoadAvg()
	printReport(out, cfg, chain, results, load0, load1)
	return nil
}

// chainBytes is the serialized size of the chain's blocks.
func chainBytes(c *genChain) int {
	n := 0
	for _, b := range c.blocks {
		n += len(b)
	}
	return n
}

// submitBatch is how many blocks one submitblock batch carries.
const submitBatch = 50

// startSource starts the source peer and submits the chain to it.
func startSource(ctx context.Context, cfg *config, bin string, chain *genChain) (*node, error) {
	dir, err := os.MkdirTemp("", "syncbench-source-")
	if err != nil {
		return nil, err
	}
	n, err := startNode(cfg.source, bin, dir, "", nil, nil)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	fail := func(err error) (*node, error) {
		n.Stop()
		if cfg.keep {
			logf("kept %s", dir)
		} else {
			os.RemoveAll(dir)
		}
		return nil, err
	}
	if err := n.WaitReady(ctx); err != nil {
		return fail(err)
	}
	start := time.Now()
	for i := 0; i < len(chain.blocks); i += submitBatch {
		end := min(i+submitBatch, len(chain.blocks))
		data, err := n.RPC.Post(ctx, submitBatchBody(chain.blocks[i:end], i))
		if err != nil {
			return fail(fmt.Errorf("submitblock: %w", err))
		}
		if err := checkSubmitReplies(data, end-i); err != nil {
			return fail(fmt.Errorf("submitblock of blocks %d-%d: %w\n%s", i+1, end, err, n.Tail()))
		}
	}
	var best string
	if err := n.RPC.Call(ctx, "getbestblockhash", &best); err != nil {
		return fail(err)
	}
	if best != chain.tip {
		return fail(fmt.Errorf("source tip %s after loading, want %s", best, chain.tip))
	}
	logf("source %s loaded in %.1fs (%s)", cfg.source, time.Since(start).Seconds(), n.p2p)
	return n, nil
}

// checkSubmitReplies checks that a submitblock batch reply holds want
// replies, all accepted (a null result and no error, BIP22).
func checkSubmitReplies(data []byte, want int) error {
	var replies []benchnode.Reply
	if err := json.Unmarshal(data, &replies); err != nil {
		return fmt.Errorf("bad batch reply %q", benchnode.Truncate(data, 200))
	}
	if len(replies) != want {
		return fmt.Errorf("%d replies, want %d", len(replies), want)
	}
	for _, r := range replies {
		if r.Error != nil {
			return r.Error
		}
		if res := bytes.TrimSpace(r.Result); len(res) > 0 && string(res) != "null" {
			return fmt.Errorf("block rejected: %s", res)
		}
	}
	return nil
}

// pollInterval is how often a syncing node's tip is asked for.
const pollInterval = 100 * time.Millisecond

// syncNode starts a fresh node connected only to source and waits until
// its best block is the chain's tip.
func syncNode(ctx context.Context, cfg *config, name, bin string, src *node, chain *genChain) (result, error) {
	res := result{node: name, blocks: len(chain.blocks), txs: chain.txs}
	dir, err := os.MkdirTemp("", "syncbench-"+name+"-")
	if err != nil {
		return res, err
	}
	extra := cfg.terndArg
	if name == "btcd" {
		extra = cfg.btcdArgs
	}
	var env []string
	if cfg.gogc != "" {
		env = append(env, "GOGC="+cfg.gogc)
	}
	src0, err := benchnode.ReadProcStats(src.PID())
	if err != nil {
		os.RemoveAll(dir)
		return res, err
	}
	start := time.Now()
	n, err := startNode(name, bin, dir, src.p2p, extra, env)
	if err != nil {
		os.RemoveAll(dir)
		return res, err
	}
	defer func() {
		n.Stop()
		if cfg.keep {
			logf("kept %s", dir)
		} else {
			os.RemoveAll(dir)
		}
	}()
	deadline := start.Add(cfg.timeout)
	var best string
	for {
		select {
		case <-n.Exited():
			return res, fmt.Errorf("%s exited during the sync: %v\n%s", name, n.WaitErr(), n.Tail())
		case <-ctx.Done():
			return res, ctx.Err()
		default:
		}
		cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		err := n.RPC.Call(cctx, "getbestblockhash", &best)
		cancel()
		if err == nil && best == chain.tip {
			break
		}
		if time.Now().After(deadline) {
			var count int
			n.RPC.Call(ctx, "getblockcount", &count)
			return res, fmt.Errorf("%s not synced after %v (height %d of %d)\n%s", name, cfg.timeout,
				count, len(chain.blocks), n.Tail())
		}
		time.Sleep(pollInterval)
	}
	res.seconds = time.Since(start).Seconds()
	st, err := benchnode.ReadProcStats(n.PID())
	if err != nil {
		return res, err
	}
	res.cpu, res.hwmKB = st.CPU, st.HWMKB
	if src1, err := benchnode.ReadProcStats(src.PID()); err == nil {
		res.srcCPU = src1.CPU - src0.CPU
	}
	return res, nil
}
