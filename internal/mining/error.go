package mining

// ErrorKind identifies a kind of mining error.
type ErrorKind string

// These constants are the kinds of errors the package returns.
const (
	// ErrBadPayScript means the coinbase output script is empty or too large.
	ErrBadPayScript = ErrorKind("ErrBadPayScript")
	// ErrNoSolution means the nonce space ran out or the search was
	// stopped before a header met the target.
	ErrNoSolution = ErrorKind("ErrNoSolution")
)

// Error implements the error interface.
func (e ErrorKind) Error() string { return string(e) }

// Error is a mining error: its kind and a description.
type Error struct {
	Err         error
	Description string
}

// Error returns the description.
func (e Error) Error() string { return e.Description }

// Unwrap returns the kind so errors.Is works.
func (e Error) Unwrap() error { return e.Err }

func miningError(kind ErrorKind, desc string) Error {
	return Error{Err: kind, Description: desc}
}
