package zmq

// ErrorKind identifies a kind of error of the notifier. It implements
// error so callers test a kind with errors.Is(err, zmq.ErrBadAddress).
type ErrorKind string

// Error returns the kind's string.
func (e ErrorKind) Error() string { return string(e) }

// These constants are the error kinds.
const (
	// ErrBadAddress: an endpoint is not tcp://host:port or ipc://path.
	ErrBadAddress = ErrorKind("ErrBadAddress")

	// ErrBadTopic: an endpoint names a topic the notifier does not
	// publish.
	ErrBadTopic = ErrorKind("ErrBadTopic")

	// ErrBadHWM: a high-water mark is negative.
	ErrBadHWM = ErrorKind("ErrBadHWM")

	// ErrBind: a socket could not be bound to its address.
	ErrBind = ErrorKind("ErrBind")
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

// zmqError returns an Error of kind with the description.
func zmqError(kind ErrorKind, desc string) Error {
	return Error{Err: kind, Description: desc}
}
