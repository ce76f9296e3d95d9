/*
Package chaingen builds valid regtest blocks for tests of packages that sit on
the chain (netsync, mining, the RPC server): coinbase-only blocks, blocks
spending earlier outputs, side branches, and BIP141 witness commitments, each
with its proof of work solved against the (trivial) regtest target.

	g := chaingen.New(&chaincfg.RegressionNetParams)
	var blocks []*wire.MsgBlock
	for i := 0; i < 101; i++ {
		blocks = append(blocks, g.NextBlock(nil, chaingen.Options{}))
	}
	tx := chaingen.SpendTx([]wire.OutPoint{chaingen.CoinbaseOutPoint(blocks[0])},
		50*1e8, 1000, 1)
	blk := g.NextBlock([]*wire.MsgTx{tx}, chaingen.Options{Fees: 1000})
	// fork: a block on blocks[99] instead of the tip
	side := g.BlockOn(blocks[99].BlockHash(), nil, chaingen.Options{})

Outputs pay to OP_TRUE (spendable with an empty scriptSig) unless Options
says otherwise. A Generator is not safe for concurrent use.
*/
package chaingen
