package neutrino

import (
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/rpcclient"
	btcdwire "github.com/btcsuite/btcd/wire"
	"github.com/btcsuite/btcwallet/walletdb"
	_ "github.com/btcsuite/btcwallet/walletdb/bdb" // the "bdb" walletdb driver neutrino stores in
	"github.com/lightninglabs/neutrino"
	"github.com/lightninglabs/neutrino/headerfs"
	"github.com/tern-org/ternd/itest"
	"github.com/tern-org/ternd/wire"
)

// TestNeutrinoRescan starts ternd with compact filters, mines a chain in
// which one transaction pays a watched address, connects neutrino to
// ternd alone, waits until it has every block header and filter header,
// and rescans: the rescan must deliver exactly that transaction, in its
// block.
func TestNeutrinoRescan(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes; skipped with -short")
	}
	n := itest.StartTernd(t, "--blockfilterindex", "--peerblockfilters")
	miner, watched := itest.NewWallet(41), itest.NewWallet(42)
	var hashes []string
	n.MustCall(t, "generatetoaddress", &hashes, 101, miner.Address(itest.KindP2WPKH))

	coin := miner.CoinbaseCoin(t, n, 1)
	pay := miner.Build([]itest.Coin{coin},
		wire.NewTxOut(coin.Value/2, watched.PkScript(itest.KindP2WPKH)),
		wire.NewTxOut(coin.Value/2-10000, miner.PkScript(itest.KindP2TRKey)))
	if err := miner.Sign(pay, []itest.Coin{coin}); err != nil {
		t.Fatal(err)
	}
	n.MustSendTx(t, pay)
	n.MustCall(t, "generatetoaddress", &hashes, 1, miner.Address(itest.KindP2PKH))
	payBlock := hashes[0]
	n.MustCall(t, "generatetoaddress", &hashes, 5, miner.Address(itest.KindP2PKH))
	tipHash, err := chainhash.NewHashFromStr(hashes[4])
	if err != nil {
		t.Fatal(err)
	}
	const tip = 107

	svc := startNeutrino(t, n.P2PAddr)
	itest.Wait(t, 60*time.Second, "neutrino's headers and filter headers at the tip", func() bool {
		best, err := svc.BestBlock()
		return err == nil && best.Height == tip && best.Hash == *tipHash
	})

	addr, err := btcutil.DecodeAddress(watched.Address(itest.KindP2WPKH), &chaincfg.RegressionNetParams)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	found := map[int32][]string{}
	quit := make(chan struct{})
	defer close(quit)
	rescan := neutrino.NewRescan(&neutrino.RescanChainSource{ChainService: svc},
		neutrino.StartBlock(&headerfs.BlockStamp{Height: 0}),
		neutrino.EndBlock(&headerfs.BlockStamp{Height: tip, Hash: *tipHash}),
		neutrino.WatchAddrs(addr),
		neutrino.QuitChan(quit),
		neutrino.NotificationHandlers(rpcclient.NotificationHandlers{
			OnFilteredBlockConnected: func(height int32, _ *btcdwire.BlockHeader, txs []*btcutil.Tx) {
				mu.Lock()
				defer mu.Unlock()
				for _, tx := range txs {
					found[height] = append(found[height], tx.Hash().String())
				}
			},
		}),
	)
	select {
	case err := <-rescan.Start():
		if err != nil {
			t.Fatalf("rescan: %v", err)
		}
	case <-time.After(90 * time.Second):
		t.Fatal("rescan did not finish")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(found) != 1 || len(found[102]) != 1 || found[102][0] != pay.TxHash().String() {
		t.Fatalf("rescan found %v, want %s at height 102 (block %s)", found, pay.TxHash(), payBlock)
	}
	t.Logf("neutrino synced %d headers and filter headers from ternd and its rescan found %s",
		tip, pay.TxHash())
}

// startNeutrino starts a neutrino chain service on regtest that connects
// only to addr, storing its headers in a temporary folder.
func startNeutrino(t *testing.T, addr string) *neutrino.ChainService {
	t.Helper()
	dir := t.TempDir()
	db, err := walletdb.Create("bdb", filepath.Join(dir, "neutrino.db"), true, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	svc, err := neutrino.NewChainService(neutrino.Config{
		DataDir:      dir,
		Database:     db,
		ChainParams:  chaincfg.RegressionNetParams,
		ConnectPeers: []string{addr},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Stop() })
	return svc
}
