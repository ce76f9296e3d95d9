package netsync

// ErrorKind identifies a kind of error of the sync manager. It implements
// error so callers test a kind with errors.Is(err, netsync.ErrShuttingDown).
type ErrorKind string

// Error returns the kind's string.
func (e ErrorKind) Error() string { return string(e) }

// These constants are the error kinds.
const (
	// ErrShuttingDown: the manager's Run has returned (or its context
	// ended), so the message was not delivered.
	ErrShuttingDown = ErrorKind("ErrShuttingDown")

	// ErrBadConfig: the Config lacks a required field.
	ErrBadConfig = ErrorKind("ErrBadConfig")

	// ErrStalling: the peer held up the block download window longer
	// than the stall timeout (the reason it is disconnected).
	ErrStalling = ErrorKind("ErrStalling")

	// ErrBlockTimeout: the peer left a block request unanswered longer
	// than BlockTimeout.
	ErrBlockTimeout = ErrorKind("ErrBlockTimeout")

	// ErrHeadersTimeout: the headers sync peer left a getheaders
	// unanswered longer than HeadersTimeout.
	ErrHeadersTimeout = ErrorKind("ErrHeadersTimeout")

	// ErrBadPresync: a peer redownloading a presynced headers chain
	// served a different one.
	ErrBadPresync = ErrorKind("ErrBadPresync")

	// ErrChainSyncTimeout: an outbound peer did not show a chain with our
	// tip's work within ChainSyncTimeout and the HeadersResponseTime of
	// the getheaders probe that followed (Core's ConsiderEviction).
	ErrChainSyncTimeout = ErrorKind("ErrChainSyncTimeout")

	// ErrExtraOutbound: the peer was the extra outbound connection chosen
	// for eviction after a stale tip brought a new one (Core's
	// EvictExtraOutboundPeers).
	ErrExtraOutbound = ErrorKind("ErrExtraOutbound")

	// ErrMissingServices: an automatic outbound peer does not serve the
	// blocks we need (Core's HasAllDesirableServiceFlags).
	ErrMissingServices = ErrorKind("ErrMissingServices")

	// ErrBadFilterRequest: a BIP157 request (getcfilters, getcfheaders,
	// getcfcheckpt) that Core disconnects for: an unsupported filter
	// type, an unknown or unservable stop block, or a bad height range.
	ErrBadFilterRequest = ErrorKind("ErrBadFilterRequest")

	// ErrInvalidCompactBlock: a cmpctblock is malformed (no transactions,
	// too many, a prefilled transaction out of place), Core's
	// READ_STATUS_INVALID; the peer is punished.
	ErrInvalidCompactBlock = ErrorKind("ErrInvalidCompactBlock")

	// ErrShortIDCollision: two transactions of a compact block share a
	// short id, so it cannot be rebuilt; the full block is requested
	// (Core's READ_STATUS_FAILED). Nobody is at fault.
	ErrShortIDCollision = ErrorKind("ErrShortIDCollision")

	// ErrInvalidBlockTxns: a blocktxn does not answer our getblocktxn
	// (a wrong count of transactions); the peer is punished.
	ErrInvalidBlockTxns = ErrorKind("ErrInvalidBlockTxns")

	// ErrReconstructionFailed: a rebuilt block's merkle root does not
	// match its header (a short id matched the wrong transaction); the
	// full block is requested.
	ErrReconstructionFailed = ErrorKind("ErrReconstructionFailed")
)

// Error is an error of this package: a kind and a description. Unwrap
// returns the kind so errors.Is works.
type Error struct {
	Err         error
	Description string
}

// Error returns the description.
func (e Error) Error() string { return e.Description }

// Unwrap returns the error kind.
func (e Error) Unwrap() error { return e.Err }

// syncError builds an Error of the given kind.
func syncError(kind ErrorKind, desc string) Error {
	return Error{Err: kind, Description: desc}
}
