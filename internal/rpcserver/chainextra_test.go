package rpcserver

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/tern-org/ternd/internal/rpcjson"
	"github.com/tern-org/ternd/wire"
)

// TestWaitForMethods checks that the waitfor methods return at once when
// their condition holds, wake at TipChanged, and return the tip at their
// timeout.
func TestWaitForMethods(t *testing.T) {
	e := newHandlerEnv(t, regtestParams(t), nil)
	tipHash := e.chain.BestSnapshot().Hash.String()
	var r tipJSON
	e.mustCall(t, &r, "waitforblockheight", 1, 0)
	if r.Height != 1 || r.Hash != tipHash {
		t.Fatalf("waitforblockheight 1 = %+v", r)
	}
	e.mustCall(t, &r, "waitforblock", tipHash)
	if r.Hash != tipHash {
		t.Fatalf("waitforblock = %+v", r)
	}
	start := time.Now()
	e.mustCall(t, &r, "waitfornewblock", 20)
	if r.Hash != tipHash || time.Since(start) < 20*time.Millisecond {
		t.Fatalf("waitfornewblock timeout = %+v after %v", r, time.Since(start))
	}

	done := make(chan tipJSON, 1)
	go func() {
		res, _ := e.srv.Execute(t.Context(), "waitforblockheight", json.RawMessage(`[2]`))
		var got tipJSON
		json.Unmarshal(res, &got)
		done <- got
	}()
	time.Sleep(10 * time.Millisecond)
	e.srv.TipChanged() // a change that does not meet the condition
	next := &wire.MsgBlock{Header: wire.BlockHeader{PrevBlock: e.chain.BestSnapshot().Hash}}
	e.chain.mu.Lock()
	e.chain.blocks = append(e.chain.blocks, next)
	e.chain.mu.Unlock()
	e.srv.TipChanged()
	select {
	case got := <-done:
		if got.Height != 2 || got.Hash != next.BlockHash().String() {
			t.Fatalf("woken with %+v", got)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("waitforblockheight not woken")
	}
	_, rerr := e.call(t, "waitforblockheight", 1, -1)
	if rerr == nil || rerr.Code != rpcjson.ErrRPCInvalidParameter || rerr.Message != "Negative timeout" {
		t.Fatalf("negative timeout: %v", rerr)
	}
}

// TestTxOutProofMethods proves the spend of the stub's block 1, checks the
// errors for unknown transactions and blocks, and that a tampered proof
// yields an empty list.
func TestTxOutProofMethods(t *testing.T) {
	e := newHandlerEnv(t, regtestParams(t), nil)
	blockHash := e.chain.blocks[1].BlockHash().String()
	txid := e.spend.TxHash().String()
	var proof string
	e.mustCall(t, &proof, "gettxoutproof", []string{txid}, blockHash)
	var ids []string
	e.mustCall(t, &ids, "verifytxoutproof", proof)
	if len(ids) != 1 || ids[0] != txid {
		t.Fatalf("verifytxoutproof = %v", ids)
	}
	flip := len(proof) - 10 // a byte of the last hash
	c := "0"
	if proof[flip] == '0' {
		c = "1"
	}
	tampered := proof[:flip] + c + proof[flip+1:]
	e.mustCall(t, &ids, "verifytxoutproof", tampered)
	if len(ids) != 0 {
		t.Fatalf("tampered proof verified: %v", ids)
	}
	tests := []struct {
		name   string
		method string
		params []any
		code   rpcjson.RPCErrorCode
		msg    string
	}{
		{"duplicate", "gettxoutproof", []any{[]string{txid, txid}, blockHash}, rpcjson.ErrRPCInvalidParameter, "Invalid parameter, duplicated txid"},
		{"not in block", "gettxoutproof", []any{[]string{strings.Repeat("1", 64)}, blockHash}, rpcjson.ErrRPCInvalidAddressOrKey, "Not all transactions found in specified or retrieved block"},
		{"no block", "gettxoutproof", []any{[]string{txid}, strings.Repeat("1", 64)}, rpcjson.ErrRPCInvalidAddressOrKey, "Block not found"},
		{"not yet in block", "gettxoutproof", []any{[]string{strings.Repeat("1", 64)}}, rpcjson.ErrRPCInvalidAddressOrKey, "Transaction not yet in block"},
		{"bad proof", "verifytxoutproof", []any{"00"}, rpcjson.ErrRPCDeserialization, "TX decode failed"},
		{"mallocinfo", "getmemoryinfo", []any{"mallocinfo"}, rpcjson.ErrRPCInvalidParameter, "mallocinfo mode not available"},
		{"mode", "getmemoryinfo", []any{"x"}, rpcjson.ErrRPCInvalidParameter, "unknown mode x"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, rerr := e.call(t, tc.method, tc.params...)
			if rerr == nil || rerr.Code != tc.code || !strings.HasPrefix(rerr.Message, tc.msg) {
				t.Fatalf("got %v, want %d %q", rerr, tc.code, tc.msg)
			}
		})
	}
	var mem map[string]map[string]uint64
	e.mustCall(t, &mem, "getmemoryinfo")
	l := mem["locked"]
	for _, k := range []string{"used", "free", "total", "locked", "chunks_used", "chunks_free"} {
		if _, ok := l[k]; !ok {
			t.Fatalf("getmemoryinfo lacks %s: %v", k, mem)
		}
	}
}
