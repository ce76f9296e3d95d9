package main

import (
	"encoding/hex"
	"strconv"
)

// submitBatchBody returns a JSON-RPC 2.0 batch array of submitblock
// requests for blocks, numbered from firstID.
func submitBatchBody(blocks [][]byte, firstID int) []byte {
	n := 2
	for _, raw := range blocks {
		n += 2*len(raw) + 80
	}
	b := make([]byte, 0, n)
	b = append(b, '[')
	for i, raw := range blocks {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"jsonrpc":"2.0","id":`...)
		b = strconv.AppendInt(b, int64(firstID+i), 10)
		b = append(b, `,"method":"submitblock","params":["`...)
		b = hex.AppendEncode(b, raw)
		b = append(b, `"]}`...)
	}
	return append(b, ']')
}
