package v2transport

import "fmt"

// ErrorKind identifies a kind of v2 transport error. It implements error so
// that callers can test for it with errors.Is.
type ErrorKind string

// These constants are the kinds of error the package returns. Input/output
// errors of the underlying connection (io.EOF, io.ErrUnexpectedEOF, timeouts)
// are returned wrapped, not as one of these kinds.
const (
	// ErrV1Peer is returned by Respond when the first 16 bytes are the
	// network magic followed by "version\x00\x00\x00\x00\x00": the remote
	// speaks the v1 protocol. Nothing past those 16 bytes has then been
	// read and nothing has been written, so the caller can go on with the
	// v1 protocol on the same connection.
	ErrV1Peer = ErrorKind("ErrV1Peer")

	// ErrWrongNetwork is returned by Respond when the remote's first 64
	// bytes look like a v1 version message of another network: another
	// magic, then "version" padded with NULs.
	ErrWrongNetwork = ErrorKind("ErrWrongNetwork")

	// ErrBadEllswift is returned when the remote's 64-byte ElligatorSwift
	// public key cannot be used for ECDH. Every 64-byte string is a valid
	// encoding, so a correct decoder never produces it; it exists so that
	// a failure of the curve library surfaces as an error, not a panic.
	ErrBadEllswift = ErrorKind("ErrBadEllswift")

	// ErrNoGarbageTerminator is returned when the remote's garbage
	// terminator does not follow within MaxGarbageLen bytes of garbage.
	// Remotes that derived other keys (a wrong public key, another network
	// magic) fail this way too, since they send another terminator.
	ErrNoGarbageTerminator = ErrorKind("ErrNoGarbageTerminator")

	// ErrBadTag is returned when a packet fails authentication: its
	// ciphertext, length, garbage (for the first packet) or position in
	// the stream was altered. The stream cannot be resynchronised.
	ErrBadTag = ErrorKind("ErrBadTag")

	// ErrPacketTooLarge is returned when a received packet announces
	// contents longer than MaxContentsLen, which is checked before
	// anything is allocated for it, or when a message received or to send
	// has a payload above MaxPayloadLen.
	ErrPacketTooLarge = ErrorKind("ErrPacketTooLarge")

	// ErrUnknownMessageType is returned by ReadMessage for an authentic
	// packet whose message type is an undefined short id, a malformed
	// 12-byte command or missing (empty contents). The packet has been
	// consumed, so the caller may ignore it and read on, as Bitcoin Core
	// does.
	ErrUnknownMessageType = ErrorKind("ErrUnknownMessageType")

	// ErrBadCommand is returned when a command to send is empty, longer
	// than 12 bytes or not printable ASCII, so that it has no encoding.
	ErrBadCommand = ErrorKind("ErrBadCommand")

	// ErrInvalidArgument is returned for a caller's argument out of range:
	// a nil Config, garbage longer than MaxGarbageLen, a decoy length
	// outside 0..MaxContentsLen, or more than 64 already-read bytes handed
	// to Respond.
	ErrInvalidArgument = ErrorKind("ErrInvalidArgument")
)

// Error returns the kind's name.
func (e ErrorKind) Error() string {
	return string(e)
}

// Error is a v2 transport error: Err holds the ErrorKind and Description a
// human readable explanation.
type Error struct {
	Err         error
	Description string
}

// Error returns the description.
func (e Error) Error() string {
	return e.Description
}

// Unwrap returns the kind so that errors.Is(err, v2transport.ErrBadTag)
// works.
func (e Error) Unwrap() error {
	return e.Err
}

// makeError builds an Error of the given kind.
func makeError(kind ErrorKind, desc string) Error {
	return Error{Err: kind, Description: desc}
}

// errorf builds an Error of the given kind with a formatted description.
func errorf(kind ErrorKind, format string, args ...any) Error {
	return Error{Err: kind, Description: fmt.Sprintf(format, args...)}
}
