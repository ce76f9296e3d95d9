package blockfilter

// ErrorKind identifies a kind of filter error. It implements error so that
// callers test for a kind with errors.Is.
type ErrorKind string

// These constants are the kinds of error the package returns.
const (
	// ErrTooManyItems is returned when a filter would hold more than
	// MaxItems items, the bound BIP158 puts on N.
	ErrTooManyItems = ErrorKind("ErrTooManyItems")

	// ErrMalformed is returned when serialized filter bytes do not decode:
	// a bad CompactSize, a stream shorter than its N values, or a value
	// outside the filter's range.
	ErrMalformed = ErrorKind("ErrMalformed")

	// ErrSpentCount is returned when the spent scripts given for a block
	// do not match the number of its non-coinbase inputs.
	ErrSpentCount = ErrorKind("ErrSpentCount")
)

// Error returns the kind as a string.
func (e ErrorKind) Error() string { return string(e) }

// Error is a filter error: a kind and a description. errors.Is(err,
// blockfilter.ErrMalformed) works through Unwrap.
type Error struct {
	Err         error
	Description string
}

// Error returns the description.
func (e Error) Error() string { return e.Description }

// Unwrap returns the error kind.
func (e Error) Unwrap() error { return e.Err }

// filterError builds an Error of the given kind.
func filterError(kind ErrorKind, desc string) Error {
	return Error{Err: kind, Description: desc}
}
