package blockchain

import (
	"bufio"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tern-org/ternd/internal/store"
	"github.com/tern-org/ternd/wire"
)

// crashEnv names the directory a child process of TestCrashRecovery mines
// into until it is killed.
const crashEnv = "TERND_CHAIN_CRASH_DIR"

// crashCacheEnv, when set, is the child's Config.UtxoCacheBytes: a tiny
// cache makes it flush every few blocks, so kills land before, during and
// after flushes.
const crashCacheEnv = "TERND_CHAIN_CRASH_CACHE"

// crashNoReorgEnv, when set, makes the child mine without side branches, so
// with the default cache it never flushes and a restart replays every block
// it connected.
const crashNoReorgEnv = "TERND_CHAIN_CRASH_NOREORG"

// TestCrashRecovery runs a child process that connects blocks (with spends
// and reorganisations) in a loop, kills it with SIGKILL at a random moment,
// and checks the reopened chain is consistent: after it connects again the
// blocks stored past its flushed tip, its UTXO set equals the one rebuilt
// from its own blocks 0..tip. It repeats so each child carries on from the
// state the previous one left; odd rounds run the child with a UTXO cache
// of a few KiB so it flushes every few blocks, even ones with the default
// cache, which flushes only at reorganisations, and round 2 without
// reorganisations, so its restart replays every block the child connected.
func TestCrashRecovery(t *testing.T) {
	if dir := os.Getenv(crashEnv); dir != "" {
		crashChild(t, dir)
		return
	}
	if testing.Short() {
		t.Skip("starts processes")
	}
	dir := t.TempDir()
	rng := rand.New(rand.NewSource(time.Now().UnixNano()))
	const rounds = 4
	for round := 0; round < rounds; round++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashRecovery$", "-test.count=1")
		cmd.Env = append(os.Environ(), crashEnv+"="+dir)
		switch round % 4 {
		case 1, 3:
			cmd.Env = append(cmd.Env, crashCacheEnv+"=4096")
		case 2:
			cmd.Env = append(cmd.Env, crashNoReorgEnv+"=1")
		}
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Wait for the child to connect some blocks, then kill it at a
		// random moment.
		ready := make(chan struct{})
		go func() {
			sc := bufio.NewScanner(out)
			signalled := false
			for sc.Scan() {
				if !signalled && strings.HasPrefix(sc.Text(), "ready") {
					close(ready)
					signalled = true
				}
			}
			if !signalled {
				close(ready)
			}
		}()
		select {
		case <-ready:
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatal("child did not start")
		}
		time.Sleep(time.Duration(20+rng.Intn(300)) * time.Millisecond)
		if err := cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		if err := cmd.Wait(); err == nil || !strings.Contains(err.Error(), "killed") {
			t.Fatalf("round %d: child ended before it was killed: %v", round, err)
		}

		stored, err := readStoredTip(dir)
		if err != nil {
			t.Fatal(err)
		}
		h := newHarnessDir(t, dir)
		_, height := h.tip()
		if height < stored.Height {
			t.Fatalf("round %d: height %d after replay, below the flushed tip %d",
				round, height, stored.Height)
		}
		got, err := h.chain.UtxoSetStats()
		if err != nil {
			t.Fatal(err)
		}
		if err := h.chain.VerifyChain(0); err != nil {
			t.Fatalf("round %d: VerifyChain: %v", round, err)
		}
		// Rebuild from the stored main chain.
		fresh := newHarness(t)
		for ht := int32(1); ht <= height; ht++ {
			hash, err := h.chain.BlockHashByHeight(ht)
			if err != nil {
				t.Fatal(err)
			}
			blk, err := h.chain.BlockByHash(hash)
			if err != nil {
				t.Fatal(err)
			}
			fresh.mustProcess(blk)
		}
		want, err := fresh.chain.UtxoSetStats()
		if err != nil {
			t.Fatal(err)
		}
		if got.SerializedHash != want.SerializedHash || got.TxOuts != want.TxOuts ||
			got.Height != want.Height || got.BestHash != want.BestHash {
			t.Fatalf("round %d: stored set %+v, rebuilt %+v", round, got, want)
		}
		t.Logf("round %d: killed with the flushed tip at %d, replayed to %d, %d utxos, consistent",
			round, stored.Height, height, got.TxOuts)
		h.close()
		fresh.close()
	}
}

// crashChild mines into dir until killed (or for at most 30 s): coinbase
// blocks, blocks spending mature coinbases, and every seventh block a
// two-block side branch that forces a reorganisation.
func crashChild(t *testing.T, dir string) {
	h := &testHarness{t: t, dir: dir, params: regtestParams(), quiet: true}
	if v := os.Getenv(crashCacheEnv); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		h.cacheBytes = n
	}
	h.open()
	t.Cleanup(h.close)
	deadline := time.Now().Add(30 * time.Second)
	_, start := h.tip()
	// Make the coinbases distinct from the previous run's.
	h.unique = uint32(start) << 12
	fmt.Println("ready")
	for i := 0; time.Now().Before(deadline); i++ {
		tip := h.tipNode()
		var txs []*wire.MsgTx
		var fees int64
		if tip.height > 101 {
			hash, _ := h.chain.BlockHashByHeight(tip.height - 100)
			blk, err := h.chain.BlockByHash(hash)
			if err != nil {
				t.Fatal(err)
			}
			op := coinbaseOut(blk)
			if e, _ := h.chain.FetchUtxoEntry(op); e != nil {
				fees = e.Amount / 10
				txs = append(txs, spendTx([]wire.OutPoint{op}, e.Amount, fees, 3))
			}
		}
		if i%7 == 6 && tip.parent != nil && os.Getenv(crashNoReorgEnv) == "" {
			s1 := h.makeBlock(tip.parent, nil, blockOpts{timeDelta: 601})
			h.mustProcess(s1)
			s2 := h.makeBlock(h.nodeOf(s1.BlockHash()), txs, blockOpts{fees: fees})
			h.mustProcess(s2)
			continue
		}
		h.mustProcess(h.makeBlock(tip, txs, blockOpts{fees: fees}))
	}
}

// readStoredTip opens the store in dir and returns its flushed tip.
func readStoredTip(dir string) (store.Tip, error) {
	db, err := store.Open(dir, nil)
	if err != nil {
		return store.Tip{}, err
	}
	defer db.Close()
	return db.FetchTip()
}
