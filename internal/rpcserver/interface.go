package rpcserver

import (
	"context"
	"errors"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/blockchain"
	"github.com/tern-org/ternd/internal/mining"
	"github.com/tern-org/ternd/internal/rpcjson"
	"github.com/tern-org/ternd/mempool"
	"github.com/tern-org/ternd/wire"
)

// This file holds what the handlers need from the rest of the daemon, as
// small interfaces. The daemon satisfies them with adaptors over its core
// (chain, pool, mining, indexes) and its P2P server; tests satisfy them with
// stubs. Every method must be safe for concurrent use: requests are served
// in parallel.

// Chain answers questions about the block index and the best chain.
type Chain interface {
	// BestSnapshot returns the tip's state; callers must not modify it.
	BestSnapshot() *blockchain.BestState

	// BestHeader returns the hash and height of the best known header.
	BestHeader() (chainhash.Hash, int32)

	// IsCurrent reports whether the chain has left initial block download.
	IsCurrent() bool

	// HaveHeader reports whether the block index holds the header.
	HaveHeader(hash *chainhash.Hash) bool

	// IsKnownOrphan reports whether the block waits for its parent.
	IsKnownOrphan(hash *chainhash.Hash) bool

	// BlockHashByHeight returns the main-chain block at height.
	BlockHashByHeight(height int32) (*chainhash.Hash, error)

	// BlockInfoByHash describes a block of the index, in the main chain
	// or not.
	BlockInfoByHash(hash *chainhash.Hash) (*blockchain.BlockInfo, error)

	// ChainTips lists the tips of the block tree.
	ChainTips() []blockchain.ChainTip

	// CalcNextRequiredDifficulty returns the bits a block on the tip with
	// the given timestamp needs.
	CalcNextRequiredDifficulty(timestamp time.Time) uint32

	// CheckConnectBlockTemplate checks that block would connect to the
	// tip, proof of work aside (Core's TestBlockValidity).
	CheckConnectBlockTemplate(block *wire.MsgBlock) error
}

// BlockStore reads stored blocks and their undo data.
type BlockStore interface {
	// BlockByHash returns a stored block.
	BlockByHash(hash *chainhash.Hash) (*wire.MsgBlock, error)

	// BlockBytesByHash returns a stored block's serialization.
	BlockBytesByHash(hash *chainhash.Hash) ([]byte, error)

	// SpentOutputs returns the outputs a connected block's inputs spent,
	// in block order without the coinbase.
	SpentOutputs(hash *chainhash.Hash) ([]*blockchain.UtxoEntry, error)
}

// UtxoSet reads the unspent outputs at the tip.
type UtxoSet interface {
	// FetchUtxoEntry returns the unspent output op, nil when it is spent
	// or unknown.
	FetchUtxoEntry(op wire.OutPoint) (*blockchain.UtxoEntry, error)

	// UtxoSetStats computes gettxoutsetinfo's figures.
	UtxoSetStats() (*blockchain.UtxoStats, error)

	// ForEachUtxo calls fn for every unspent output at the tip, in
	// outpoint order, from one snapshot, and returns the snapshot's tip;
	// fn's error stops the walk and is returned.
	ForEachUtxo(fn func(op wire.OutPoint, e *blockchain.UtxoEntry) error) (chainhash.Hash, int32, error)
}

// ChainManager changes the chain: blocks and headers submitted over RPC,
// invalidateblock and reconsiderblock. Each call leaves the pool in step
// with the chain (the transactions of disconnected blocks back in it)
// before it returns.
type ChainManager interface {
	// ProcessBlock submits a block, as a peer's block would be.
	ProcessBlock(block *wire.MsgBlock) (isMain, isOrphan bool, err error)

	// ProcessBlockHeader adds a header to the block index.
	ProcessBlockHeader(header *wire.BlockHeader) error

	// InvalidateBlock marks a block and its descendants invalid.
	InvalidateBlock(hash *chainhash.Hash) error

	// ReconsiderBlock removes the invalid marks InvalidateBlock set.
	ReconsiderBlock(hash *chainhash.Hash) error

	// VerifyChain checks the last depth blocks (0: all).
	VerifyChain(depth int32) error

	// PreciousBlock prefers a block among tips of equal work (Core's
	// preciousblock).
	PreciousBlock(hash *chainhash.Hash) error
}

// TxPool answers questions about the transaction pool.
type TxPool interface {
	// Count returns the number of pooled transactions.
	Count() int

	// IsTransactionInPool reports whether txid is pooled.
	IsTransactionInPool(txid *chainhash.Hash) bool

	// FetchTransaction returns the pooled transaction with this txid or
	// wtxid.
	FetchTransaction(hash *chainhash.Hash) (*wire.MsgTx, error)

	// Spender returns the pooled transaction spending op, or nil.
	Spender(op wire.OutPoint) *wire.MsgTx

	// LastUpdated is when the pool last changed.
	LastUpdated() time.Time

	// TxDesc returns a pooled entry.
	TxDesc(txid *chainhash.Hash) (*mempool.TxDesc, bool)

	// TxDescs returns every pooled entry.
	TxDescs() []*mempool.TxDesc

	// TxHashes returns every pooled txid.
	TxHashes() []chainhash.Hash

	// TxHashesAndSequence returns every pooled txid and the pool's
	// sequence number (the one its next change takes, as the ZMQ
	// sequence topic numbers them) from one snapshot.
	TxHashesAndSequence() ([]chainhash.Hash, uint64)

	// Ancestors returns the in-pool ancestors of txid (false when txid is
	// not pooled).
	Ancestors(txid *chainhash.Hash) ([]*mempool.TxDesc, bool)

	// Descendants returns the in-pool descendants of txid (false when
	// txid is not pooled).
	Descendants(txid *chainhash.Hash) ([]*mempool.TxDesc, bool)

	// Info returns getmempoolinfo's figures from one snapshot.
	Info() mempool.Info

	// MinFee is the pool's current minimum fee rate.
	MinFee() mempool.FeeRate

	// Unbroadcast returns the local transactions no peer fetched yet.
	Unbroadcast() []chainhash.Hash

	// Cluster returns the cluster of a pooled transaction, linearized and
	// chunked (false when txid is not pooled).
	Cluster(txid *chainhash.Hash) (*mempool.ClusterInfo, bool)

	// FeeRateDiagram returns the pool's fee-rate diagram from (0, 0).
	FeeRateDiagram() []mempool.DiagramPoint

	// Orphans lists the orphan transactions held, oldest first.
	Orphans() []mempool.OrphanInfo
}

// TxAcceptor submits and tests transactions against the pool's rules.
type TxAcceptor interface {
	// ProcessLocalTransaction accepts a local transaction whose fee does
	// not pass maxFee, and returns what was accepted (the transaction,
	// then the orphans it unlocked).
	ProcessLocalTransaction(tx *wire.MsgTx, maxFee int64) ([]*mempool.TxDesc, error)

	// AddUnbroadcast marks a local transaction to announce until a peer
	// fetches it.
	AddUnbroadcast(txid *chainhash.Hash)

	// TestAccept checks one transaction without adding it.
	TestAccept(tx *wire.MsgTx) (*mempool.AcceptResult, error)

	// TestAcceptPackage checks a package without adding it.
	TestAcceptPackage(txs []*wire.MsgTx) *mempool.PackageTestResult

	// SubmitPackage accepts a package (Core's submitpackage).
	SubmitPackage(txs []*wire.MsgTx, maxFeeRate mempool.FeeRate) *mempool.PackageSubmitResult
}

// TxPrioritiser keeps the operator's fee deltas (prioritisetransaction).
type TxPrioritiser interface {
	// PrioritiseTransaction adds delta satoshis to txid's modified fee.
	PrioritiseTransaction(txid *chainhash.Hash, delta int64)

	// HasDust reports whether pooled txid has a dust output.
	HasDust(txid *chainhash.Hash) bool

	// FeeDeltas returns every delta by txid.
	FeeDeltas() map[chainhash.Hash]int64
}

// MempoolDumper writes the pool to its file (savemempool).
type MempoolDumper interface {
	// DumpMempool writes mempool.dat and returns its path.
	DumpMempool() (path string, err error)
}

// FeeEstimator estimates fee rates from the blocks that confirmed pooled
// transactions.
type FeeEstimator interface {
	// HighestTarget is the largest confirmation target it answers.
	HighestTarget() int

	// EstimateSmartFeeFloor returns a fee rate (sat/kvB, at least minFee)
	// for confirmation within confTarget blocks and the target it found
	// it for.
	EstimateSmartFeeFloor(confTarget int, conservative bool, minFee int64) (int64, int, error)

	// EstimateRawFee answers estimaterawfee for each horizon tracking
	// confTarget.
	EstimateRawFee(confTarget int, threshold float64) ([]mempool.RawFeeHorizon, error)
}

// BlockGenerator builds block templates and mines blocks (regtest).
type BlockGenerator interface {
	// MiningTip describes the tip the next block builds on.
	MiningTip() mining.Tip

	// NewBlockTemplate builds a template on tip paying payScript.
	NewBlockTemplate(payScript []byte, tip mining.Tip) (*mining.BlockTemplate, error)

	// GenerateBlocks mines n blocks paying payScript, each with up to
	// maxTries nonces, and returns their hashes; it returns the blocks
	// found so far when a block runs out of tries.
	GenerateBlocks(ctx context.Context, n int, payScript []byte, maxTries uint64) ([]chainhash.Hash, error)

	// GenerateBlock mines one block holding exactly txs after a coinbase
	// paying payScript, and submits it when submit is set. A block the
	// chain would refuse yields a *BlockValidityError.
	GenerateBlock(ctx context.Context, payScript []byte, txs []*wire.MsgTx, submit bool) (*wire.MsgBlock, error)
}

// BlockValidityError is GenerateBlock's error for a block that would not
// connect (Core's TestBlockValidity failure); Err is the chain's error.
type BlockValidityError struct {
	Err error
}

// Error implements error.
func (e *BlockValidityError) Error() string { return "block not valid: " + e.Err.Error() }

// Unwrap returns the chain's error.
func (e *BlockValidityError) Unwrap() error { return e.Err }

// TxIndex is the optional transaction index (--txindex).
type TxIndex interface {
	// Open reports whether the index is open; when it is not, the
	// methods answer as Core does without -txindex.
	Open() bool

	// Name is the index's name in getindexinfo.
	Name() string

	// Synced reports whether the index caught up with the chain.
	Synced() bool

	// BestHeight is the height of the last block indexed.
	BestHeight() int32

	// BlockUntilSyncedToCurrentChain is Core's: false at once while the
	// index catches up, else it waits until every block change notified
	// before the call is indexed.
	BlockUntilSyncedToCurrentChain(ctx context.Context) bool

	// FetchTx returns a confirmed transaction and its block's hash; an
	// unknown transaction yields ErrTxNotIndexed.
	FetchTx(txid *chainhash.Hash) (*wire.MsgTx, chainhash.Hash, error)
}

// FilterIndex is the optional BIP158 basic block filter index
// (--blockfilterindex).
type FilterIndex interface {
	// Open reports whether the index is open; when it is not, the filter
	// methods answer as Core does without -blockfilterindex.
	Open() bool

	// Name is the index's name in getindexinfo.
	Name() string

	// Synced reports whether the index caught up with the chain.
	Synced() bool

	// BestHeight is the height of the last block indexed.
	BestHeight() int32

	// BlockUntilSyncedToCurrentChain is Core's (see TxIndex).
	BlockUntilSyncedToCurrentChain(ctx context.Context) bool

	// Filter returns the serialized basic filter of a block and its
	// filter header; a block the index does not hold yields
	// ErrFilterNotIndexed.
	Filter(hash *chainhash.Hash) ([]byte, chainhash.Hash, error)
}

// ErrFilterNotIndexed is FilterIndex.Filter's error for a block the index
// does not hold.
var ErrFilterNotIndexed = errors.New("block filter not in the index")

// ErrTxNotIndexed is TxIndex.FetchTx's error for a transaction the index
// does not hold.
var ErrTxNotIndexed = errors.New("transaction not in the index")

// Relay announces transactions to peers.
type Relay interface {
	// RelayTransactions queues pooled transactions for announcement to
	// every peer that wants them (the peers' known-inventory filters keep
	// a transaction from being announced twice).
	RelayTransactions(txs []*mempool.TxDesc)
}

// PeerInfo is what getpeerinfo reports of one fully connected peer.
type PeerInfo struct {
	ID             int32
	Addr           string
	Services       wire.ServiceFlag
	RelayTxes      bool // the peer relays transactions and we relay them to it
	LastSend       time.Time
	LastRecv       time.Time
	LastTx         int64 // unix time of its last new transaction, 0: none
	LastBlock      int64 // unix time of its last new block, 0: none
	BytesSent      uint64
	BytesRecv      uint64
	ConnTime       time.Time
	TimeOffset     time.Duration
	PingTime       time.Duration // last round trip, 0: none
	MinPing        time.Duration
	PingWait       time.Duration // wait of the outstanding ping, 0: none
	Version        uint32
	SubVer         string
	Inbound        bool
	StartingHeight int32
	SyncedHeaders  int32
	SyncedBlocks   int32
	AddrRelay      bool // addresses are relayed with the peer
	AddrProcessed  uint64
	AddrLimited    uint64
	Whitelisted    bool
	FeeFilter      int64 // sat/kvB
	BytesSentByMsg map[string]uint64
	BytesRecvByMsg map[string]uint64
	ConnectionType string // Core's name: inbound, manual, outbound-full-relay ...
	Transport      string // "v1", "v2", or "detecting" before an inbound peer's first bytes
	SessionID      string // the BIP324 session id in hex; empty for v1
	BanScore       uint32
	WantsWtxid     bool
	WantsAddrV2    bool
	WantsHeaders   bool
	// HBTo: we asked the peer to announce new blocks to us by compact
	// block (BIP152 high-bandwidth mode); HBFrom: it asked us to.
	HBTo, HBFrom bool
}

// PeerServer is the P2P server's view of its peers.
type PeerServer interface {
	// Running reports whether the P2P server has started; before, the
	// network methods answer Core's -31 (P2P disabled).
	Running() bool

	// ConnectionCounts returns the number of connected peers by
	// direction (Core's GetNodeCount).
	ConnectionCounts() (inbound, outbound int)

	// Peers describes the peers that completed the handshake.
	Peers() []PeerInfo

	// PingPeers sends a ping to every ready peer (the ping RPC).
	PingPeers()

	// NetTotals returns the bytes sent and received since start.
	NetTotals() (sent, recv uint64)

	// LocalAddresses are the addresses advertised to peers.
	LocalAddresses() []*wire.NetAddressV2

	// LocalServices are the services advertised to peers.
	LocalServices() wire.ServiceFlag

	// FetchBlockFromPeer asks peer id for a block whose header is known
	// (getblockfrompeer); it fails with ErrPeerNotFound.
	FetchBlockFromPeer(hash *chainhash.Hash, id int32) error
}

// AddedNode is one addnode entry with its connection.
type AddedNode struct {
	Name      string // the address as given to addnode
	Connected bool
	Addr      string // the connected peer's address when Connected
}

// ConnManager handles the operator's connections (addnode,
// disconnectnode).
type ConnManager interface {
	// AddNode connects to addr: once (onetry) or, when permanent, until
	// RemoveAddedNode; a duplicate permanent request is
	// ErrNodeAlreadyAdded. v2 asks for the BIP324 v2 transport (falling
	// back to v1 when the handshake fails); false dials v1.
	AddNode(addr string, permanent, v2 bool) error

	// RemoveAddedNode drops a permanent request; false when none.
	RemoveAddedNode(addr string) bool

	// AddedNodes lists the permanent requests.
	AddedNodes() []AddedNode

	// DisconnectAddr disconnects the peer with this address; false when
	// none.
	DisconnectAddr(addr string) bool

	// DisconnectID disconnects the peer with this id; false when none.
	DisconnectID(id int32) bool

	// SetNetworkActive switches P2P networking off (no new connections,
	// every peer disconnected) or back on.
	SetNetworkActive(active bool)

	// NetworkActive reports whether P2P networking is on.
	NetworkActive() bool
}

// ErrPeerNotFound is FetchBlockFromPeer's error for an unknown peer id.
var ErrPeerNotFound = errors.New("Peer does not exist")

// ErrNodeAlreadyAdded is AddNode's error for a duplicate request.
var ErrNodeAlreadyAdded = errors.New("node already added")

// BanEntry is one entry of the ban list.
type BanEntry struct {
	Subnet  string
	Created time.Time
	Until   time.Time
}

// BanManager handles the ban list (setban, listbanned, clearbanned); each
// change is saved before the call returns.
type BanManager interface {
	// BanSubnet bans subnet (an address or a CIDR subnet) for bantime
	// seconds, until the unix time bantime when absolute, or for the
	// default duration when bantime is 0, and disconnects the peers in
	// it. It fails with ErrInvalidSubnet or ErrAlreadyBanned.
	BanSubnet(subnet string, bantime int64, absolute bool) error

	// Unban lifts an operator's ban; it fails with ErrInvalidSubnet or
	// ErrNotBanned.
	Unban(subnet string) error

	// ClearBans lifts every ban.
	ClearBans() error

	// BanEntries lists the bans.
	BanEntries() []BanEntry
}

// BanManager errors.
var (
	ErrInvalidSubnet = errors.New("invalid IP/subnet")
	ErrAlreadyBanned = errors.New("IP/subnet already banned")
	ErrNotBanned     = errors.New("IP/subnet not banned")
)

// AddrManager is the address manager's view for getnodeaddresses and
// addpeeraddress.
type AddrManager interface {
	// Addresses returns up to max known addresses (0: no limit) of the
	// given network (0: every network), drawn at random and leaving out
	// the terrible ones, as Core's GetAddresses.
	Addresses(max int, network wire.NetworkID) []*wire.NetAddressV2

	// CountsByNetwork returns the new and tried table sizes by network.
	CountsByNetwork() map[wire.NetworkID][2]int

	// AddPeerAddress adds host:port to the new table, or the tried one
	// when tried. It fails with ErrAddressRefused (not routable, not
	// parseable, not added) or ErrNotTried (added to new but its tried
	// slot is taken).
	AddPeerAddress(host string, port uint16, tried bool) error
}

// AddrManager errors.
var (
	ErrAddressRefused = errors.New("address refused")
	ErrNotTried       = errors.New("failed-adding-to-tried")
)

// ZMQEndpoint is one ZMQ notification getzmqnotifications lists.
type ZMQEndpoint struct {
	Topic   string // "rawtx", "hashblock" ...
	Address string
	HWM     int
}

// ZMQNotifier is the daemon's ZMQ publisher.
type ZMQNotifier interface {
	// Endpoints lists the active notifications.
	Endpoints() []ZMQEndpoint
}

// ShutdownRequester stops the daemon (the stop RPC).
type ShutdownRequester interface {
	// RequestShutdown asks for an orderly shutdown and returns at once.
	RequestShutdown()
}

// RequestObserver learns of each finished request for a known method (the
// daemon's metrics). ObserveRequest is called on the request's goroutine
// after the handler returned, with err nil on success; it must be safe for
// concurrent use and must not block.
type RequestObserver interface {
	ObserveRequest(method string, took time.Duration, err *rpcjson.RPCError)
}
