package indexers

// ErrorKind identifies a kind of index error. It implements error so callers
// can test for a kind with errors.Is.
type ErrorKind string

// These constants are the kinds of error the indexes return.
const (
	// ErrTxNotFound is returned when the index holds no confirmed
	// transaction with the requested txid (or its entry points at a
	// block that a reorganisation has just replaced).
	ErrTxNotFound = ErrorKind("ErrTxNotFound")

	// ErrFilterNotFound is returned when the block filter index holds no
	// filter for the requested block (unknown, or not indexed yet).
	ErrFilterNotFound = ErrorKind("ErrFilterNotFound")

	// ErrCorrupt is returned when a stored record cannot be decoded.
	ErrCorrupt = ErrorKind("ErrCorrupt")

	// ErrVersion is returned when the index database has an unknown
	// schema version.
	ErrVersion = ErrorKind("ErrVersion")

	// ErrClosed is returned for operations on a closed index.
	ErrClosed = ErrorKind("ErrClosed")

	// ErrBackend wraps an error from goleveldb itself (I/O, corruption).
	ErrBackend = ErrorKind("ErrBackend")

	// ErrChain is returned when the chain cannot give a block the index
	// needs (its bytes are missing or do not decode).
	ErrChain = ErrorKind("ErrChain")
)

// Error returns the kind as a string.
func (e ErrorKind) Error() string { return string(e) }

// Error is an index error: a kind and a description. Err is the kind, so
// errors.Is(err, indexers.ErrTxNotFound) works through Unwrap.
type Error struct {
	Err         error
	Description string
}

// Error returns the description.
func (e Error) Error() string { return e.Description }

// Unwrap returns the error kind.
func (e Error) Unwrap() error { return e.Err }

// indexError builds an Error of the given kind.
func indexError(kind ErrorKind, desc string) Error {
	return Error{Err: kind, Description: desc}
}
