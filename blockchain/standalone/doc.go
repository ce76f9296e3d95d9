/*
Package standalone holds Bitcoin's context-free consensus rules, each in one
place: the rules that need a transaction, a block or a header and a few
numbers the caller supplies, never the chain's state.

  - Transactions: CheckTransactionSanity (Core's CheckTransaction) and
    IsCoinBaseTx.
  - Finality: IsFinalTx (nLockTime), and CalcSequenceLock with
    SequenceLockActive (BIP68 relative lock times), given the heights of the
    spent outputs and a way to read median times past.
  - Signature operations: CountLegacySigOps, CountP2SHSigOps,
    CountWitnessSigOps and their BIP141 weighting, TxSigOpCost. Script facts
    (what a P2SH or witness program is, how a script's sigops are counted)
    come from txscript.
  - Merkle trees: CalcMerkleRoot with CVE-2012-2459 mutation detection,
    BlockMerkleRoot, the BIP141 witness root, commitment index and value,
    and AddWitnessCommitment for block builders.
  - Proof of work: CompactToBig, BigToCompact, HashToBig, CalcWork and
    CheckProofOfWork.
  - Subsidy: CalcBlockSubsidy.

The package imports only wire, chaincfg, chainhash and txscript, so the chain
(blockchain), the pool (mempool), block templates (internal/mining) and the
RPC server all use the same rules without the pool importing the chain.

Errors are of type RuleError, whose Err is an ErrorKind; each kind's string
is Bitcoin Core's reject reason, so callers test a kind with errors.Is and
report the string unchanged.

Nothing here keeps state: every function is safe for concurrent use.
*/
package standalone
