package wire

// MessageEncoding selects how a message is encoded: with or without witness
// data.
type MessageEncoding uint32

const (
	// BaseEncoding is the legacy encoding without witness data.
	BaseEncoding MessageEncoding = 1 << iota

	// WitnessEncoding is the BIP144 encoding with witness data.
	WitnessEncoding

	// LatestEncoding is the most recent encoding.
	LatestEncoding = WitnessEncoding
)

// MaxMessagePayload is the largest payload of any message, Bitcoin Core's
// MAX_PROTOCOL_MESSAGE_LENGTH.
const MaxMessagePayload = 4000000

// Commands of the messages this package knows.
const (
	CmdVersion      = "version"
	CmdVerAck       = "verack"
	CmdGetAddr      = "getaddr"
	CmdAddr         = "addr"
	CmdAddrV2       = "addrv2"
	CmdSendAddrV2   = "sendaddrv2"
	CmdGetBlocks    = "getblocks"
	CmdInv          = "inv"
	CmdGetData      = "getdata"
	CmdNotFound     = "notfound"
	CmdBlock        = "block"
	CmdTx           = "tx"
	CmdGetHeaders   = "getheaders"
	CmdHeaders      = "headers"
	CmdPing         = "ping"
	CmdPong         = "pong"
	CmdMemPool      = "mempool"
	CmdMerkleBlock  = "merkleblock"
	CmdReject       = "reject"
	CmdSendHeaders  = "sendheaders"
	CmdFeeFilter    = "feefilter"
	CmdWTxIDRelay   = "wtxidrelay"
	CmdSendCmpct    = "sendcmpct"
	CmdCmpctBlock   = "cmpctblock"
	CmdGetBlockTxns = "getblocktxn"
	CmdBlockTxns    = "blocktxn"
)
