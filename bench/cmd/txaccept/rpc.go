package main

import (
	"encoding/hex"
	"strconv"

	"github.com/tern-org/ternd/wire"
)

// sendRawBody returns the body of a JSON-RPC 1.0 sendrawtransaction
// request for tx with the given id; extra is appended to the parameters
// (e.g. ",0"), or empty.
func sendRawBody(tx *wire.MsgTx, id int, extra string) []byte {
	raw := tx.Bytes()
	b := make([]byte, 0, 2*len(raw)+80)
	b = append(b, `{"jsonrpc":"1.0","id":`...)
	b = strconv.AppendInt(b, int64(id), 10)
	b = append(b, `,"method":"sendrawtransaction","params":["`...)
	b = hex.AppendEncode(b, raw)
	b = append(b, '"')
	b = append(b, extra...)
	return append(b, `]}`...)
}

// sendRawBatchBody returns a JSON-RPC 2.0 batch array of sendrawtransaction
// requests for txs, numbered from firstID (btcd answers batches only in the
// 2.0 shape), with extra appended to each request's parameters.
func sendRawBatchBody(txs []*wire.MsgTx, firstID int, extra string) []byte {
	var b []byte
	b = append(b, '[')
	for i, tx := range txs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"jsonrpc":"2.0","id":`...)
		b = strconv.AppendInt(b, int64(firstID+i), 10)
		b = append(b, `,"method":"sendrawtransaction","params":["`...)
		b = hex.AppendEncode(b, tx.Bytes())
		b = append(b, '"')
		b = append(b, extra...)
		b = append(b, `]}`...)
	}
	return append(b, ']')
}
