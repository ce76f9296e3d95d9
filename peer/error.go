package peer

import "errors"

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

	// ErrRecvBudget means a large message could not get its share of the
	// node's receive budget (Config.RecvBudget) before the read deadline.
	ErrRecvBudget = ErrorKind("ErrRecvBudget")

	// ErrDisconnected means the peer is disconnected (locally or by the
	// remote end).
	ErrDisconnected = ErrorKind("ErrDisconnected")

	// ErrV2Handshake means the BIP324 handshake failed: the remote closed
	// or reset the connection, timed out, or sent bytes that are not a v2
	// handshake. The error also matches its cause (io.EOF, a timeout,
	// v2transport.ErrNoGarbageTerminator, ...) and, for a timeout,
	// ErrHandshakeTimeout. An outbound peer that fails this way may be a
	// node without v2 support; BIP324 has the dialer retry once with v1.
	ErrV2Handshake = ErrorKind("ErrV2Handshake")

	// ErrV2PeerSpeaksV1 means an outbound v2 handshake failed and the first
	// bytes the remote sent back were our network magic: it answered with
	// v1 messages. Such an error also matches ErrV2Handshake.
	ErrV2PeerSpeaksV1 = ErrorKind("ErrV2PeerSpeaksV1")
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

// wrapError creates an Error that matches each of kinds and cause with
// errors.Is and errors.As, so that a disconnect reason keeps both this
// package's kind and what caused it (an I/O error, a v2transport kind).
func wrapError(cause error, desc string, kinds ...ErrorKind) Error {
	errs := make([]error, 0, len(kinds)+1)
	for _, k := range kinds {
		errs = append(errs, k)
	}
	return Error{Err: errors.Join(append(errs, cause)...), Description: desc}
}
