package blockchain

import (
	"bytes"
	"encoding/binary"
	"errors"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/blockchain/standalone"
	"github.com/tern-org/ternd/txscript"
	"github.com/tern-org/ternd/wire"
)

// signetHeader starts the push, inside the witness commitment output, that
// carries a signet block solution (BIP325).
var signetHeader = []byte{0xec, 0xc7, 0xda, 0xa2}

// signetFlags are the script rules a signet block solution is checked with
// (Core's BLOCK_SCRIPT_VERIFY_FLAGS in signet.cpp).
const signetFlags = txscript.ScriptBip16 | txscript.ScriptVerifyWitness |
	txscript.ScriptVerifyDERSignatures | txscript.ScriptStrictMultiSig

// errSignetParse reports a malformed signet solution.
var errSignetParse = errors.New("signet solution parse failure")

// appendPush appends data as Core's CScript << vector: the smallest push
// opcode for its length, never OP_N.
func appendPush(dst, data []byte) []byte {
	switch n := len(data); {
	case n < txscript.OP_PUSHDATA1:
		dst = append(dst, byte(n))
	case n <= 0xff:
		dst = append(dst, txscript.OP_PUSHDATA1, byte(n))
	case n <= 0xffff:
		dst = append(dst, txscript.OP_PUSHDATA2, byte(n), byte(n>>8))
	default:
		dst = append(dst, txscript.OP_PUSHDATA4, byte(n), byte(n>>8), byte(n>>16), byte(n>>24))
	}
	return append(dst, data...)
}

// extractSignetSolution is Core's FetchAndClearCommitmentSection: it finds
// the first push in script starting with the signet header and carrying more
// data, returns that data, and the script with the push cut to the header.
func extractSignetSolution(script []byte) (solution, cleared []byte, found bool) {
	var out []byte
	t := txscript.MakeScriptTokenizer(script)
	for t.Next() {
		op, data := t.Opcode(), t.Data()
		if len(data) > 0 {
			if !found && len(data) > len(signetHeader) && bytes.HasPrefix(data, signetHeader) {
				solution = append([]byte(nil), data[len(signetHeader):]...)
				data = data[:len(signetHeader)]
				found = true
			}
			out = appendPush(out, data)
		} else {
			out = append(out, op)
		}
	}
	return solution, out, found
}

// readCompactSize reads a canonical compact-size integer, as Core's
// ReadCompactSize (with its 32 MB MAX_SIZE).
func readCompactSize(b []byte) (uint64, []byte, error) {
	if len(b) < 1 {
		return 0, nil, errSignetParse
	}
	var v uint64
	var n int
	switch b[0] {
	case 0xfd:
		n = 2
	case 0xfe:
		n = 4
	case 0xff:
		n = 8
	default:
		return uint64(b[0]), b[1:], nil
	}
	if len(b) < 1+n {
		return 0, nil, errSignetParse
	}
	var buf [8]byte
	copy(buf[:], b[1:1+n])
	v = binary.LittleEndian.Uint64(buf[:])
	min := map[int]uint64{2: 0xfd, 4: 0x10000, 8: 0x100000000}[n]
	if v < min || v > 0x02000000 {
		return 0, nil, errSignetParse
	}
	return v, b[1+n:], nil
}

// readBytes reads a compact-size length and that many bytes.
func readBytes(b []byte) ([]byte, []byte, error) {
	n, rest, err := readCompactSize(b)
	if err != nil || n > uint64(len(rest)) {
		return nil, nil, errSignetParse
	}
	return rest[:n], rest[n:], nil
}

// signetTxs builds BIP325's to_spend and to_sign transactions for block
// (Core's SignetTxs::Create).
func signetTxs(block *wire.MsgBlock, challenge []byte) (toSpend, toSign *wire.MsgTx, err error) {
	if len(block.Transactions) == 0 {
		return nil, nil, errSignetParse
	}
	cb := block.Transactions[0].Copy()
	idx := standalone.WitnessCommitmentIndex(cb)
	if idx < 0 {
		return nil, nil, errors.New("signet block has no witness commitment")
	}
	toSign = &wire.MsgTx{Version: 0}
	toSign.TxIn = []*wire.TxIn{{Sequence: 0}}
	toSign.TxOut = []*wire.TxOut{{Value: 0, PkScript: []byte{txscript.OP_RETURN}}}
	solution, cleared, found := extractSignetSolution(cb.TxOut[idx].PkScript)
	if found {
		cb.TxOut[idx].PkScript = cleared
		sig, rest, err := readBytes(solution)
		if err != nil {
			return nil, nil, err
		}
		count, rest, err := readCompactSize(rest)
		if err != nil || count > uint64(len(rest)) {
			return nil, nil, errSignetParse
		}
		var witness wire.TxWitness
		for i := uint64(0); i < count; i++ {
			var item []byte
			if item, rest, err = readBytes(rest); err != nil {
				return nil, nil, err
			}
			witness = append(witness, item)
		}
		if len(rest) != 0 {
			return nil, nil, errors.New("signet solution has extraneous data")
		}
		toSign.TxIn[0].SignatureScript = sig
		toSign.TxIn[0].Witness = witness
	}
	leaves := make([]chainhash.Hash, len(block.Transactions), len(block.Transactions)+1)
	leaves[0] = cb.TxHash()
	for i, tx := range block.Transactions[1:] {
		leaves[i+1] = tx.TxHash()
	}
	root, _ := standalone.CalcMerkleRoot(leaves)
	data := make([]byte, 0, 72)
	data = binary.LittleEndian.AppendUint32(data, uint32(block.Header.Version))
	data = append(data, block.Header.PrevBlock[:]...)
	data = append(data, root[:]...)
	data = binary.LittleEndian.AppendUint32(data, uint32(block.Header.Timestamp.Unix()))

	toSpend = &wire.MsgTx{Version: 0}
	toSpend.TxIn = []*wire.TxIn{{
		PreviousOutPoint: wire.OutPoint{Index: wire.MaxPrevOutIndex},
		SignatureScript:  appendPush([]byte{txscript.OP_0}, data),
		Sequence:         0,
	}}
	toSpend.TxOut = []*wire.TxOut{{Value: 0, PkScript: challenge}}
	toSign.TxIn[0].PreviousOutPoint = wire.OutPoint{Hash: toSpend.TxHash(), Index: 0}
	return toSpend, toSign, nil
}

// checkSignetBlockSolution verifies a signet block's solution against the
// network's challenge (Core's CheckSignetBlockSolution, "bad-signet-blksig").
func (b *BlockChain) checkSignetBlockSolution(block *wire.MsgBlock, hash *chainhash.Hash) error {
	challenge := b.params.SignetChallenge
	if challenge == nil || *hash == *b.params.GenesisHash {
		return nil
	}
	toSpend, toSign, err := signetTxs(block, challenge)
	if err != nil {
		return ruleError(ErrBadSignetBlockSig, "signet block signature validation failure: "+err.Error())
	}
	prev := toSpend.TxOut[0]
	fetcher := txscript.NewCannedPrevOutputFetcher(prev.PkScript, prev.Value)
	vm, err := txscript.NewEngine(prev.PkScript, toSign, 0, signetFlags, nil,
		txscript.NewTxSigHashes(toSign, fetcher), prev.Value, fetcher)
	if err == nil {
		err = vm.Execute()
	}
	if err != nil {
		return ruleError(ErrBadSignetBlockSig, "signet block signature validation failure: "+err.Error())
	}
	return nil
}
