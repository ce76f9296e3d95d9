package blockchain

import (
	"fmt"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/blockchain/standalone"
	"github.com/tern-org/ternd/wire"
)

// bip30Exceptions are the two mainnet blocks that overwrote earlier
// coinbases before BIP30 (Core skips them).
var bip30Exceptions = map[int32]chainhash.Hash{
	91842: mustHash("00000000000a4d0a398161ffc163c503763b1f4360639393e0e4c8e300e0caec"),
	91880: mustHash("00000000000743f190a18c5577a3c2d2a1f610ae9601ac046a38084ccb7cd721"),
}

// bip34ImpliesBIP30Limit is the height from which BIP34 coinbase heights can
// repeat old ones, so BIP30 applies again (Core's BIP34_IMPLIES_BIP30_LIMIT).
const bip34ImpliesBIP30Limit = 1983702

// checkConnectBlock validates block (whose index node is node) against the
// view and, when valid, applies it to the view (Core's ConnectBlock). It
// returns the block's undo data. On error the view may hold part of the
// block's changes and must be discarded.
func (b *BlockChain) checkConnectBlock(node *blockNode, block *wire.MsgBlock,
	view *utxoView) ([]*UtxoEntry, error) {

	height := node.height
	prev := node.parent
	p := b.params
	txHashes := b.txHashesOf(block)

	enforceBIP30 := height < p.BIP0034Height || height >= bip34ImpliesBIP30Limit
	if h, ok := bip30Exceptions[height]; ok && h == node.hash {
		enforceBIP30 = false
	}
	if enforceBIP30 {
		for i, tx := range block.Transactions {
			for o := range tx.TxOut {
				e, err := view.lookup(wire.OutPoint{Hash: txHashes[i], Index: uint32(o)})
				if err != nil {
					return nil, err
				}
				if e != nil {
					return nil, ruleError(ErrOverwriteTx, "tried to overwrite transaction "+
						txHashes[i].String())
				}
			}
		}
	}

	csvActive := height >= p.CSVHeight
	var prevMTP int64
	if csvActive {
		prevMTP = prev.CalcPastMedianTime()
	}
	flags := b.scriptFlagsFor(height, &node.hash)
	maturity := int32(p.CoinbaseMaturity)

	// The spent outputs, their heights, the undo data and the script jobs
	// of the whole block are carved from a few block-sized allocations
	// instead of several per transaction and input.
	nIn, nOut := 0, 0
	for ti, tx := range block.Transactions {
		if ti > 0 {
			nIn += len(tx.TxIn)
		}
		nOut += len(tx.TxOut)
	}
	if len(view.entries) == 0 {
		view.entries = make(map[wire.OutPoint]viewEntry, nIn+nOut)
	}
	var (
		fees        int64
		sigCost     int
		undo        = make([]*UtxoEntry, 0, nIn)
		jobs        = make([]scriptJob, 0, nIn)
		outArena    = make([]wire.TxOut, nIn)
		ptrArena    = make([]*wire.TxOut, nIn)
		heightArena = make([]int32, nIn)
		entryArena  = make([]UtxoEntry, nOut)
	)
	for ti, tx := range block.Transactions {
		isCB := ti == 0
		var prevOuts []*wire.TxOut
		if !isCB {
			n := len(tx.TxIn)
			prevOuts, ptrArena = ptrArena[:n:n], ptrArena[n:]
			prevHeights := heightArena[:n:n]
			heightArena = heightArena[n:]
			outs := outArena[:n:n]
			outArena = outArena[n:]
			var in int64
			for ii, txIn := range tx.TxIn {
				e, err := view.lookup(txIn.PreviousOutPoint)
				if err != nil {
					return nil, err
				}
				if e == nil {
					return nil, ruleError(ErrMissingTxOut, fmt.Sprintf("transaction %s input %d "+
						"spends missing or spent output %s", txHashes[ti], ii, txIn.PreviousOutPoint))
				}
				if e.IsCoinBase && height-e.BlockHeight < maturity {
					return nil, ruleError(ErrImmatureSpend, fmt.Sprintf("tried to spend "+
						"coinbase at depth %d", height-e.BlockHeight))
				}
				in += e.Amount
				if !moneyRange(e.Amount) || !moneyRange(in) {
					return nil, ruleError(ErrBadTxInputValue, "input values out of range")
				}
				outs[ii] = wire.TxOut{Value: e.Amount, PkScript: e.PkScript}
				prevOuts[ii] = &outs[ii]
				prevHeights[ii] = e.BlockHeight
			}
			var out int64
			for _, o := range tx.TxOut {
				out += o.Value
			}
			if in < out {
				return nil, ruleError(ErrSpendTooHigh, fmt.Sprintf("value in (%d) < value "+
					"out (%d) in %s", in, out, txHashes[ti]))
			}
			fee := in - out
			if !moneyRange(fee) {
				return nil, ruleError(ErrBadFees, "fee out of range")
			}
			fees += fee
			if !moneyRange(fees) {
				return nil, ruleError(ErrBadAccumulatedFees, "accumulated fee in the block "+
					"out of range")
			}
			if csvActive {
				lock := calcSequenceLock(tx, prevHeights, prev)
				if !standalone.SequenceLockActive(lock, height, prevMTP) {
					return nil, ruleError(ErrUnfinalizedTx, "contains a non-BIP68-final "+
						"transaction "+txHashes[ti].String())
				}
			}
		}
		sigCost += standalone.TxSigOpCost(tx, prevOuts)
		if sigCost > MaxBlockSigOpsCost {
			return nil, ruleError(ErrTooManySigOps, "too many sigops")
		}
		if !isCB {
			checker, err := b.engine.NewTxChecker(tx, prevOuts, flags)
			if err != nil {
				return nil, err
			}
			for ii := range tx.TxIn {
				jobs = append(jobs, scriptJob{checker: checker, tx: tx, input: ii})
			}
		}
		var err error
		undo, entryArena, err = view.connectTransaction(tx, &txHashes[ti], height, isCB, undo,
			entryArena)
		if err != nil {
			return nil, err
		}
	}

	var cbOut int64
	for _, o := range block.Transactions[0].TxOut {
		cbOut += o.Value
	}
	reward := standalone.CalcBlockSubsidy(height, p) + fees
	if cbOut > reward {
		return nil, ruleError(ErrBadCoinbaseValue, fmt.Sprintf("coinbase pays too much "+
			"(actual=%d vs limit=%d)", cbOut, reward))
	}
	if err := runScriptJobs(jobs, b.scriptWorkers); err != nil {
		return nil, err
	}
	return undo, nil
}
