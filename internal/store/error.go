package store

// ErrorKind identifies a kind of store error. It implements error so callers
// can test for a kind with errors.Is.
type ErrorKind string

// These constants are the kinds of error the store returns.
const (
	// ErrNotFound is returned when a requested key is absent.
	ErrNotFound = ErrorKind("ErrNotFound")

	// ErrCorrupt is returned when a stored value cannot be decoded.
	ErrCorrupt = ErrorKind("ErrCorrupt")

	// ErrClosed is returned for operations on a closed store.
	ErrClosed = ErrorKind("ErrClosed")

	// ErrVersion is returned when the database has an unknown schema version.
	ErrVersion = ErrorKind("ErrVersion")

	// ErrBackend wraps an error from goleveldb itself (I/O, corruption).
	ErrBackend = ErrorKind("ErrBackend")
)

// Error returns the kind as a string.
func (e ErrorKind) Error() string { return string(e) }

// Error is a store error: a kind and a description. Err is the kind, so
// errors.Is(err, store.ErrNotFound) works through Unwrap.
type Error struct {
	Err         error
	Description string
}

// Error returns the description.
func (e Error) Error() string { return e.Description }

// Unwrap returns the error kind.
func (e Error) Unwrap() error { return e.Err }

// storeError builds an Error of the given kind.
func storeError(kind ErrorKind, desc string) Error {
	return Error{Err: kind, Description: desc}
}
