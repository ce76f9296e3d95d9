package descriptor

import "fmt"

// ErrorKind identifies a kind of descriptor failure; callers test it with
// errors.Is.
type ErrorKind string

// Error satisfies the error interface.
func (e ErrorKind) Error() string { return string(e) }

// These are the descriptor error kinds.
const (
	// ErrChecksum is a missing, malformed or wrong checksum.
	ErrChecksum = ErrorKind("ErrChecksum")

	// ErrSyntax is a descriptor that does not parse: an unknown function,
	// a missing parenthesis, trailing characters.
	ErrSyntax = ErrorKind("ErrSyntax")

	// ErrInvalidKey is a key expression that is not a valid key, origin
	// or derivation path.
	ErrInvalidKey = ErrorKind("ErrInvalidKey")

	// ErrContext is a function or key used where it is not allowed, such
	// as sh() inside wsh() or an uncompressed key in a witness script.
	ErrContext = ErrorKind("ErrContext")

	// ErrMultisig is a multisig with a bad threshold or key count.
	ErrMultisig = ErrorKind("ErrMultisig")

	// ErrHardenedFromPublic is a hardened derivation step asked of a
	// public extended key.
	ErrHardenedFromPublic = ErrorKind("ErrHardenedFromPublic")

	// ErrRange is a range request on a descriptor without one, or a
	// missing range on one that has it.
	ErrRange = ErrorKind("ErrRange")
)

// Error is a descriptor error: Description is Core's message (what the
// RPC methods report), Err its kind.
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
