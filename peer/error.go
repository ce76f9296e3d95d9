package peer

// ErrorKind identifies why a peer was disconnected or a request failed. It
// implements error so that callers can test for it with errors.Is.
type ErrorKind string

// These constants are the kinds of error the package returns.
const (
	// ErrHandshakeTimeout means the version handshake did not finish in
	// time.
	ErrHandshakeTimeout = ErrorKind("ErrHandshakeTimeout")

	// ErrOldVersion means the peer's protocol version is below the minimum.
	ErrOldVersion = ErrorKind("ErrOldVersion")

	// ErrSelfConnection means the peer's version nonce is one of ours: we
	// connected to ourselves.
	ErrSelfConnection = ErrorKind("ErrSelfConnection")

	// ErrProtocol means the peer broke the handshake or framing rules.
	ErrProtocol = ErrorKind("ErrProtocol")

	// ErrMisbehaving means the peer's misbehaviour score reached the ban
	// threshold.
	ErrMisbehaving = ErrorKind("ErrMisbehaving")

	// ErrIdleTimeout means nothing was received for the idle timeout, or a
	// ping stayed unanswered as long.
	ErrIdleTimeout = ErrorKind("ErrIdleTimeout")

	// ErrWriteStall means a write did not complete within the stall
	// timeout.
	ErrWriteStall = ErrorKind("ErrWriteStall")

	// ErrQueueFull means the outbound queue's byte cap would be exceeded.
	ErrQueueFull = ErrorKind("ErrQueueFull")

	// ErrDisconnected means the peer is disconnected (locally or by the
	// remote end).
	ErrDisconnected = ErrorKind("ErrDisconnected")
)

// Error returns the kind as a string.
func (e ErrorKind) Error() string {
	return string(e)
}

// Error is an error of a given kind with a description. It unwraps to its
// kind, so errors.Is(err, peer.ErrSelfConnection) works.
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
