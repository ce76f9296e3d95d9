// Package mining builds block templates from the mempool and solves them
// at the regtest target.
//
// SelectTransactions is Bitcoin Core's package selection
// (BlockAssembler::addPackageTxs): it takes the package with the best
// ancestor fee rate (a transaction with its not-yet-chosen ancestors, so
// a child can pay for its parent), while the block weight (-blockmaxweight,
// 3,996,000 after the coinbase's 4,000) and sigop cost (80,000, 400 for the
// coinbase) budgets allow, stopping at the first package below
// -blockmintxfee; parents always come before children. Generator wraps it:
// NewBlockTemplate adds a coinbase (BIP34 height, an extra nonce, subsidy
// plus fees to the given script, and the BIP141 witness commitment when a
// chosen transaction has a witness) and fills the header; SolveBlock
// searches nonces.
//
//	gen := mining.NewGenerator(&mining.Config{ChainParams: params}, pool)
//	tmpl, err := gen.NewBlockTemplate(payScript, mining.Tip{...}, 0)
//	err = mining.SolveBlock(ctx, &tmpl.Block.Header)
//
// The package keeps no state; the chain's tip and target come in through
// Tip, so it is tested without a chain.
package mining
