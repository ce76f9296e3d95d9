package addrmgr

// ErrorKind identifies a kind of error returned by the address manager. It
// implements error so that callers can test for it with errors.Is.
type ErrorKind string

// These constants are the kinds of error the package returns.
const (
	// ErrUnroutable means the address is local, private, reserved or on a
	// network the manager does not store (only IPv4, IPv6 and Tor v3 are).
	ErrUnroutable = ErrorKind("ErrUnroutable")

	// ErrUnknownAddress means the address is not in the manager.
	ErrUnknownAddress = ErrorKind("ErrUnknownAddress")

	// ErrNoAddresses means selection found no address.
	ErrNoAddresses = ErrorKind("ErrNoAddresses")

	// ErrCorruptFile means peers.json could not be parsed; the manager moved
	// it aside and started empty.
	ErrCorruptFile = ErrorKind("ErrCorruptFile")

	// ErrInvalidHost means a host name or host:port could not be parsed.
	ErrInvalidHost = ErrorKind("ErrInvalidHost")
)

// Error returns the kind as a string.
func (e ErrorKind) Error() string {
	return string(e)
}

// Error is an error of a given kind with a description. It unwraps to its
// kind, so errors.Is(err, addrmgr.ErrUnroutable) works.
type Error struct {
	Err         error
	Description string
}

// Error returns the description.
func (e Error) Error() string {
	return e.Description
}

// Unwrap returns the kind of the error.
func (e Error) Unwrap() error {
	return e.Err
}

// makeError creates an Error of the given kind.
func makeError(kind ErrorKind, desc string) Error {
	return Error{Err: kind, Description: desc}
}
