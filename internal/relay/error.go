package relay

// ErrorKind identifies a kind of error of the relay. It implements error so
// callers test a kind with errors.Is(err, relay.ErrBadConfig).
type ErrorKind string

// Error returns the kind's string.
func (e ErrorKind) Error() string { return string(e) }

// These constants are the error kinds.
const (
	// ErrBadConfig: the Config lacks a required field.
	ErrBadConfig = ErrorKind("ErrBadConfig")
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

// relayError returns an Error of kind with the description.
func relayError(kind ErrorKind, desc string) Error {
	return Error{Err: kind, Description: desc}
}
