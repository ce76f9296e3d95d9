package chaincfg

// ErrorKind identifies a kind of chaincfg error; use it with errors.Is.
type ErrorKind string

// These constants are the kinds of error chaincfg returns.
const (
	// ErrUnknownNet is returned when no parameters exist for a network
	// name or magic.
	ErrUnknownNet = ErrorKind("ErrUnknownNet")

	// ErrInvalidChallenge is returned for an unusable signet challenge.
	ErrInvalidChallenge = ErrorKind("ErrInvalidChallenge")
)

// Error satisfies the error interface.
func (e ErrorKind) Error() string {
	return string(e)
}

// Error is a chaincfg error: a kind and a description.
type Error struct {
	Err         error
	Description string
}

// Error satisfies the error interface.
func (e Error) Error() string {
	return e.Description
}

// Unwrap returns the kind so that errors.Is works.
func (e Error) Unwrap() error {
	return e.Err
}
