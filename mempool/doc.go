// Package mempool is ternd's transaction memory pool: it validates loose
// transactions against Bitcoin Core v30's relay policy, keeps the ones it
// accepts ordered for mining and eviction, holds orphans until their
// parents arrive, and follows the chain as blocks connect and disconnect.
//
// # Use
//
// The pool never imports the chain. The daemon passes function fields in a
// Config: FetchUTXO (the UTXO set at the tip), BestHeight, MedianTimePast,
// MedianTimePastAt (for BIP68 time locks) and a ScriptVerifier that runs
// scripts under the standard or the consensus flags (TxScriptVerifier, over
// txscript's engine, with a SigCache shared with the chain). Then:
//
//	pool := mempool.New(&mempool.Config{Policy: mempool.DefaultPolicy(), ...})
//	accepted, missingParents, err := pool.ProcessTransaction(tx, true, peerTag)
//
// accepted lists the transaction and every orphan it unlocked (parents
// first) for the caller to relay: the pool never calls out to announce
// anything. missingParents names the parents to request from the
// peer when the transaction was kept as an orphan; err is an Error whose
// kind is tested with errors.Is (mempool.ErrInsufficientFee, ...) and whose
// RejectReason is Bitcoin Core v30's reject reason, word for word.
// ProcessLocalTransaction is the RPC's form (sendrawtransaction): never an
// orphan, and an optional cap on the base fee checked in the same
// acceptance (ErrMaxFeeExceeded), after every rule and the scripts and
// before anything is added.
//
// On a block connected call RemoveForBlock (it returns orphans that became
// valid, to announce); on a block disconnected call AddBackForDisconnect
// before the new branch connects (it returns the transactions it put back,
// to announce). Dump and Load persist the pool in Core's mempool.dat layout
// (LoadStats.Txs lists what Load accepted). Every function that accepts
// transactions returns them: ProcessTransaction, ProcessLocalTransaction,
// MaybeAcceptTransaction, ProcessOrphans, SubmitPackage
// (PackageSubmitResult.Accepted), RemoveForBlock, AddBackForDisconnect and
// Load.
//
// With Config.FeeEstimator set, the pool feeds its fee estimator itself:
// each acceptance (tracked only when at the tip while Config.IsCurrent
// reports true, never for transactions a disconnected block put back) and
// each block given to RemoveForBlock (with its height). TxDescs, TxDesc, Ancestors, Descendants,
// MiningDescs, PrioritiseTransaction, TestAccept, MinFee and Usage serve
// the RPC server and block templates. Prioritisation deltas and the fee
// totals they feed saturate at the int64 range, as Core's SaturatingAdd.
//
// TestAcceptPackage is testmempoolaccept with several transactions (Core's
// package test acceptance): the package must be well formed (at most
// MaxPackageCount transactions and MaxPackageWeight, no duplicates, parents
// first, no two spending one output), then each member is checked in order
// against the pool and the earlier members' outputs, with no replacement
// and each paying its own fee floor; the package's TRUC topology and its
// combined ancestor and descendant limits follow, and the scripts last.
// Nothing is added. A package-wide failure is PackageErr; otherwise the
// first failing member stops the run and those after it have no result.
//
// SubmitPackage is submitpackage (Core v30's AcceptPackage): a well-formed
// child with parents of it. Members already pooled are skipped; each other
// one is tried alone and kept if it passes; those refused only for a fee
// floor (or for a parent so refused) are then judged together by their
// package fee rate, total modified fee over total vsize, and added all or
// none: child pays for parent. A non-TRUC member must still pay the minimum
// relay fee alone, and the package evaluation replaces pooled transactions
// only by Core's package RBF (one parent and one child, conflicts in
// clusters of at most two, a better fee-rate diagram). The pool is trimmed
// once at the end, and orphans the package completes are processed; the
// result's Accepted lists the new members and those orphans. A member
// that was held as an orphan leaves the orphans when it enters the pool.
//
// For opportunistic 1p1c relay (internal/netsync) IsReconsiderable tells a
// refusal for the fee alone, OrphanChildren lists a peer's orphans that
// spend a given parent and RemoveOrphan drops one found invalid. Orphans
// are bounded per peer and in total; past a total, the peer furthest past
// its protected share (the larger of its weight over MaxOrphanWeightPeer
// and its count over an equal split of MaxOrphans, Core v30's DoS score)
// loses its oldest orphan, so one honest peer's orphan survives a flood.
//
// # Stages
//
// Acceptance follows Bitcoin Core's MemPoolAccept: a per-transaction
// workspace passes through named stages, each a method that fills in what
// the next one needs.
//
//   - preChecks (Core's PreChecks), every rule but replacement and the
//     scripts, cheapest first: checkAlone (structure, standardness: version
//     1-3, weight, push-only scriptSig, output types, data carrier bytes,
//     dust; the minimum size), checkFinal (final in the next block),
//     checkNotPooled, findConflicts (full RBF: every pooled spender of an
//     input is a conflict to replace), fetchInputs (from the pool, the
//     earlier members of a package, or the UTXO set; missing inputs name
//     the parents for the orphan pool), checkInputs (BIP68 sequence locks,
//     coinbase maturity and value ranges, standard inputs and witnesses,
//     the sigop limit; the entry is built here), checkFees (ephemeral dust
//     pays no fee; the fee floors: --minrelaytxfee for a non-TRUC
//     transaction alone, then the rolling minimum and --minrelaytxfee,
//     which a package may pay together) and checkPoolPolicy (TRUC, version
//     3, BIP431, with sibling eviction; ancestor, descendant and cluster
//     limits; a submitter's maximum fee rate; a pooled parent's dust spent;
//     no spending of what it replaces).
//   - replacementChecks (ReplacementChecks), for a transaction alone with
//     conflicts: replace-by-fee as Core v31 judges it (the direct
//     conflicts in at most 100 clusters; the replacement pays the fees of
//     everything it evicts plus its own relay at the incremental relay
//     fee; and the fee-rate diagram of the clusters it touches, each
//     linearized again without the evicted transactions and with the
//     replacement, strictly improves, which replaces the old rules against
//     new unconfirmed inputs and for a higher fee rate than each conflict).
//   - packageMempoolChecks (PackageMempoolChecks), for a package judged
//     together after packageTRUCChecks and the package fee rate: its
//     combined limits, and Core v30's package RBF when it conflicts with
//     the pool.
//   - policyScriptChecks (PolicyScriptChecks): the scripts under the
//     standard flags and, after a failure, under the consensus flags alone,
//     so the error's kind tells a policy failure (ErrScriptPolicy) from a
//     consensus one (ErrScriptConsensus); both carry Core's
//     "mempool-script-verify-flag-failed (...)" reason.
//   - consensusScriptChecks (ConsensusScriptChecks), under the lock just
//     before the transaction is added: the scripts must have passed
//     against the outputs it spends now, else they run again.
//   - finalize (Finalize): evict what it replaces, add it, expire and trim
//     to --maxmempool (ErrMempoolFull if it was trimmed), feed the fee
//     estimator; finalizePackage adds a package judged together.
//
// A small acceptMode says how the stages judge: a transaction alone
// (modeSingle), one put back from a disconnected block with no fee floors
// or size limit (modeReorg), a member of a package under test, where no
// conflict is allowed (modePackageTest), or a member of a submitted package
// judged by the package's fee rate (modePackage). Each entry point chains
// the stages: acceptSingle for ProcessTransaction, ProcessLocalTransaction
// and MaybeAcceptTransaction; accept, every stage under the lock, for
// orphans, AddBackForDisconnect and Load; TestAccept; checkPackage for
// TestAcceptPackage; and submitAlone and acceptTogether for SubmitPackage.
// Every limit is a Policy field with Core v30's default.
//
// # Structure
//
// Entries are indexed by txid, wtxid and spent outpoint, and kept in
// ordered indexes (treaps): by individual fee rate, by ancestor score (the
// pre-v31 mining order, CPFP) and by descendant score. Each entry keeps
// its ancestor and descendant counts, sizes, fees and sigops, updated
// incrementally, and belongs to a cluster (a connected component of the
// parent/child graph) whose members and totals are maintained too, with
// Core v31's cluster limits (Policy.ClusterLimitCount/Size: 64
// transactions and 101 kvB by default, as v31; zero lifts them).
//
// Each cluster is linearized (Core v31's cluster mempool) on every change
// to it: an add, a removal (a block, a replacement, an eviction, expiry)
// or a prioritisation recomputes that cluster alone. Clusters of up to 14
// transactions get an optimal linearization (repeatedly the remaining
// topologically closed subset with the best fee rate, found exhaustively);
// up to 64, the ancestor-set order merged (Core's MergeLinearizations)
// with a greedy improvement of it that adds ancestor sets while they raise
// the fee rate, never worse than the ancestor-set order; beyond (the
// cluster limit lifted) the ancestor-set order. The linearization is split
// into chunks of non-increasing fee rate; MiningChunks lists them, best
// first, for block templates, Cluster returns one cluster, and each
// TxDesc carries its chunk's fee and size. When the pool's estimated
// memory passes --maxmempool, the worst chunk of the pool (each cluster's
// last chunk is indexed) goes and the rolling minimum fee rises to its
// rate plus the incremental relay fee, decaying after blocks with Core's
// half-life.
//
// # Concurrency
//
// A TxPool is safe for concurrent use: one RWMutex guards everything.
// ProcessTransaction runs the stages before the scripts under the lock,
// verifies the scripts with the lock released (so transactions from
// several peers verify in parallel), then takes the lock again for recheck,
// which repeats only what a change of the pool or the chain meanwhile can
// invalidate: that the transaction is not pooled yet, its conflicts (found
// anew), its fee floors (a new prioritisation, a higher pool minimum), its
// place in the pool (TRUC, limits, dust, conflicts spent) and the
// replacement rules. The rules it skips look only at the transaction, the
// chain's tip and the coins it spends; when the tip or any of those coins
// changed, PreChecks runs whole again, and the scripts run again only if
// the spent outputs changed. A transaction refused before its scripts is
// refused without releasing the lock. SubmitPackage likewise verifies the
// members' scripts before it takes the lock for the submission, and
// TestAccept and TestAcceptPackage, which add nothing, verify them after
// releasing it. Config functions must be safe for concurrent use and must
// not call back into the pool. No Config function announces or relays:
// nothing outside the pool runs under its lock except the chain queries
// (FetchUTXO, BestHeight, MedianTimePast, MedianTimePastAt, IsCurrent),
// the script Verifier (for orphans, a disconnected block's transactions and
// mempool.dat, which are taken in under the lock, and where the spent
// outputs changed since the unlocked check), and the fee estimator, whose
// own lock is taken after the pool's and which never calls the pool.
package mempool
