package chaingen

// ErrorKind identifies a kind of error; it implements error for errors.Is.
type ErrorKind string

// ErrUnknownParent is returned by BlockOn for a parent the generator did
// not make.
const ErrUnknownParent = ErrorKind("ErrUnknownParent")

// Error returns the kind's name.
func (e ErrorKind) Error() string { return string(e) }

// Error is a chaingen error: a kind and a description.
type Error struct {
	Err         error
	Description string
}

// Error returns the description.
func (e Error) Error() string { return e.Description }

// Unwrap returns the kind.
func (e Error) Unwrap() error { return e.Err }
