// Package mining builds block templates from the mempool and solves them
// at the regtest target.
//
// Templates follow Bitcoin Core v31's cluster mempool: SelectChunks takes
// the pool's chunks (mempool.TxPool.MiningChunks: each cluster's
// linearization split into chunks) best fee rate first, each whole while
// the block weight (-blockmaxweight, 3,996,000 after the coinbase's 4,000)
// and sigop cost (80,000, 400 for the coinbase) budgets allow, stopping at
// the first chunk below -blockmintxfee; a chunk passed over takes the
// later chunks that spend it with it, and parents always come before
// children. SelectTransactions is Core's pre-v31 package selection
// (BlockAssembler::addPackageTxs, by ancestor fee rate). When a budget
// binds, neither greedy order fills the end of a block best every time, so
// the generator runs both and keeps the one collecting more fees. Generator
// wraps the selection: NewBlockTemplate adds a coinbase (BIP34 height, an
// extra nonce, subsidy plus fees to the given script, and the BIP141
// witness commitment when a chosen transaction has a witness) and fills
// the header; SolveBlock searches nonces.
//
//	gen := mining.NewGenerator(&mining.Config{ChainParams: params}, pool)
//	tmpl, err := gen.NewBlockTemplate(payScript, mining.Tip{...}, 0)
//	err = mining.SolveBlock(ctx, &tmpl.Block.Header)
//
// The package keeps no state; the chain's tip and target come in through
// Tip, so it is tested without a chain.
package mining
