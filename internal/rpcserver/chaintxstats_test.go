package rpcserver

import (
	"strings"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/internal/rpcjson"
	"github.com/tern-org/ternd/wire"
)

// PreciousBlock records the block like InvalidateBlock does.
func (c *testRPCChain) PreciousBlock(hash *chainhash.Hash) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.invalidated = append(c.invalidated, *hash)
	return nil
}

// TestGetChainTxStats checks the counts and window over a stub chain of
// ten blocks ten minutes apart, one transaction each after block 1's two,
// the cache after a reorganisation, and the errors.
func TestGetChainTxStats(t *testing.T) {
	e := newHandlerEnv(t, regtestParams(t), nil)
	c := e.chain
	addBlock := func(tag byte) {
		prev := c.blocks[len(c.blocks)-1]
		cb := wire.NewMsgTx(2)
		cb.AddTxIn(wire.NewTxIn(&wire.OutPoint{Index: 0xffffffff}, []byte{tag, byte(len(c.blocks))}, nil))
		b := &wire.MsgBlock{Header: wire.BlockHeader{PrevBlock: prev.BlockHash(),
			Timestamp: prev.Header.Timestamp.Add(10 * time.Minute)}, Transactions: []*wire.MsgTx{cb}}
		c.mu.Lock()
		c.blocks = append(c.blocks, b)
		c.mu.Unlock()
	}
	for i := 0; i < 8; i++ {
		addBlock(1)
	}
	var r chainTxStatsJSON
	e.mustCall(t, &r, "getchaintxstats")
	// genesis 1 + block 1's 2 + 8 blocks of 1.
	if r.TxCount != 11 || r.WindowFinalBlockHeight != 9 || r.WindowBlockCount != 8 ||
		*r.WindowTxCount != 8 || *r.WindowInterval != 8*600 || *r.TxRate != 8.0/4800 {
		t.Fatalf("getchaintxstats = %+v", r)
	}
	r = chainTxStatsJSON{}
	e.mustCall(t, &r, "getchaintxstats", 0, c.blocks[2].BlockHash().String())
	if r.TxCount != 4 || r.WindowBlockCount != 0 || r.WindowInterval != nil || r.WindowTxCount != nil {
		t.Fatalf("at block 2 = %+v", r)
	}
	// Replace the top three blocks: the cache recounts them.
	c.mu.Lock()
	c.blocks = c.blocks[:7]
	c.mu.Unlock()
	for i := 0; i < 3; i++ {
		addBlock(2)
	}
	c.blocks[9].Transactions = append(c.blocks[9].Transactions, e.spend)
	r = chainTxStatsJSON{}
	e.mustCall(t, &r, "getchaintxstats", 1)
	if r.TxCount != 12 || *r.WindowTxCount != 2 || r.WindowFinalBlockHash != c.blocks[9].BlockHash().String() {
		t.Fatalf("after reorg = %+v", r)
	}
	for _, tc := range []struct {
		params []any
		code   rpcjson.RPCErrorCode
		msg    string
	}{
		{[]any{9}, rpcjson.ErrRPCInvalidParameter, "Invalid block count: should be between 0 and the block's height - 1"},
		{[]any{-1}, rpcjson.ErrRPCInvalidParameter, "Invalid block count"},
		{[]any{nil, strings.Repeat("1", 64)}, rpcjson.ErrRPCInvalidAddressOrKey, "Block not found"},
	} {
		_, rerr := e.call(t, "getchaintxstats", tc.params...)
		if rerr == nil || rerr.Code != tc.code || !strings.HasPrefix(rerr.Message, tc.msg) {
			t.Fatalf("%v: %v", tc.params, rerr)
		}
	}

	e.mustCall(t, nil, "preciousblock", c.blocks[3].BlockHash().String())
	if n := len(c.invalidated); n != 1 || c.invalidated[0] != c.blocks[3].BlockHash() {
		t.Fatalf("preciousblock reached the chain with %v", c.invalidated)
	}
	_, rerr := e.call(t, "preciousblock", strings.Repeat("1", 64))
	if rerr == nil || rerr.Code != rpcjson.ErrRPCInvalidAddressOrKey || rerr.Message != "Block not found" {
		t.Fatalf("unknown block: %v", rerr)
	}
}
