package metrics

import "time"

// ChainState is the chain as a scrape or the status page sees it.
type ChainState struct {
	Height       int32
	HeaderHeight int32 // the best header's height, getblockchaininfo's "headers"
	TipHash      string
	TipTime      time.Time
	IBD          bool    // in initial block download
	Progress     float64 // verification progress, 0 to 1
}

// BlockSummary is one block of the status page's list.
type BlockSummary struct {
	Height int32
	Hash   string
	Time   time.Time
	Txs    int
	Size   int
	Weight int
	Fees   int64 // satoshis, the coinbase's outputs less the subsidy
}

// ChainSource is what the collector and the status page read from the
// chain. Implementations must be safe for concurrent use.
type ChainSource interface {
	ChainState() ChainState
	// RecentBlocks returns up to n blocks of the main chain, tip first.
	RecentBlocks(n int) []BlockSummary
}

// PoolState is the transaction pool at one moment.
type PoolState struct {
	Count       int
	VSize       int64   // virtual bytes of every pooled transaction
	Usage       int64   // bytes of memory, getmempoolinfo's "usage"
	MinFeeRate  float64 // sat/vB a transaction must pay to enter now
	Orphans     int
	Replaced    uint64 // transactions evicted by replacements since start
	FeeRates    []TxFeeRate
	MaxBytes    int64 // --maxmempool in bytes
	Unbroadcast int
}

// TxFeeRate is one pooled transaction's size and fee rate.
type TxFeeRate struct {
	VSize int64
	Rate  float64 // sat/vB of its base fee
}

// PoolSource is what the collector and the status page read from the
// pool. Implementations must be safe for concurrent use.
type PoolSource interface {
	PoolState() PoolState
}

// Peer is one connected peer.
type Peer struct {
	ID             int32
	Addr           string
	Inbound        bool
	ConnectionType string // Core's: inbound, outbound-full-relay, block-relay-only, manual, feeler ...
	Transport      string // v1, v2
	Ping           time.Duration
	BytesSent      uint64
	BytesRecv      uint64
	SubVer         string
	ConnTime       time.Time
	SyncedBlocks   int32
}

// MsgStats counts one command's messages and their bytes.
type MsgStats struct {
	Messages uint64
	Bytes    uint64
}

// PeerSource is what the collector and the status page read from the
// peer set. Traffic must only grow: it adds the traffic of the peers
// that left to the connected ones'. Implementations must be safe for
// concurrent use.
type PeerSource interface {
	Peers() []Peer
	Traffic() (sent, recv map[string]MsgStats)
}

// AddrCount is the address manager's table sizes for one network.
type AddrCount struct {
	Network    string // ipv4, ipv6, onion, i2p, cjdns
	New, Tried int
}

// AddrSource reads the address manager.
type AddrSource interface {
	AddrCounts() []AddrCount
}

// BanSource reads the ban list.
type BanSource interface {
	BanCount() int
}

// Sources are the node's parts the metrics and the status page read. A
// nil source leaves its metrics out (the P2P server's, in a node that
// runs none).
type Sources struct {
	Chain ChainSource
	Pool  PoolSource
	Peers PeerSource
	Addrs AddrSource
	Bans  BanSource
}
