package psbt

import "fmt"

// ErrorKind identifies a kind of PSBT failure; callers test it with
// errors.Is.
type ErrorKind string

// Error satisfies the error interface.
func (e ErrorKind) Error() string { return string(e) }

// These are the PSBT error kinds.
const (
	// ErrInvalidMagic is input that does not start with "psbt\xff".
	ErrInvalidMagic = ErrorKind("ErrInvalidMagic")

	// ErrMalformed is a truncated or otherwise unparseable encoding.
	ErrMalformed = ErrorKind("ErrMalformed")

	// ErrDuplicateKey is a key given twice in one map.
	ErrDuplicateKey = ErrorKind("ErrDuplicateKey")

	// ErrInvalidField is a known field whose key or value has the wrong
	// size or content.
	ErrInvalidField = ErrorKind("ErrInvalidField")

	// ErrVersion is an unsupported version, or a field of the other
	// version (a v2 field in a v0 PSBT and the reverse).
	ErrVersion = ErrorKind("ErrVersion")

	// ErrMissingField is a required field that is absent.
	ErrMissingField = ErrorKind("ErrMissingField")

	// ErrIncompatible is PSBTs of different transactions given to
	// Combine.
	ErrIncompatible = ErrorKind("ErrIncompatible")

	// ErrNotFinal is an extraction asked of a PSBT with an input not
	// finalized.
	ErrNotFinal = ErrorKind("ErrNotFinal")
)

// Error is a PSBT error: Description is the message the RPC methods
// report, Err its kind.
type Error struct {
	Err         error
	Description string
}

// Error satisfies the error interface.
func (e Error) Error() string { return e.Description }

// Unwrap returns the kind, for errors.Is.
func (e Error) Unwrap() error { return e.Err }

// errorf builds an Error of kind with a formatted description.
func errorf(kind ErrorKind, format string, args ...any) Error {
	return Error{Err: kind, Description: fmt.Sprintf(format, args...)}
}
