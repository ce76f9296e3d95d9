package wire

import "fmt"

// ErrorKind identifies a kind of wire error. It implements error so that it
// can be used with errors.Is to test the kind of an *Error.
type ErrorKind string

// These constants are the kinds of error the wire package returns.
const (
	// ErrNonCanonicalVarInt is returned when a CompactSize integer is not
	// encoded in its shortest form, which Bitcoin Core rejects.
	ErrNonCanonicalVarInt = ErrorKind("ErrNonCanonicalVarInt")

	// ErrFieldTooLong is returned when a variable length string or byte
	// slice claims a length above the caller-given maximum.
	ErrFieldTooLong = ErrorKind("ErrFieldTooLong")

	// ErrTooManyItems is returned when a count (inventory vectors,
	// addresses, headers, locator hashes, transaction inputs...) is above
	// its protocol limit or above what the remaining bytes can hold. The
	// check always happens before anything is allocated.
	ErrTooManyItems = ErrorKind("ErrTooManyItems")

	// ErrProtocolLimit is returned, together with ErrTooManyItems, when a
	// message claims more items than the protocol allows in it: more than
	// MaxInvPerMsg inventory vectors in inv, getdata or notfound, more
	// than MaxAddrPerMsg addresses in addr or addrv2, more than
	// MaxBlockHeadersPerMsg headers, more than MaxBlockLocatorsPerMsg
	// locator hashes. No honest implementation sends such a message, so
	// a node may treat it as misbehaviour (Bitcoin Core does), unlike a
	// count that merely does not fit in the bytes that follow it.
	ErrProtocolLimit = ErrorKind("ErrProtocolLimit")

	// ErrPayloadTooLarge is returned when a message header announces a
	// payload above MaxMessagePayload or the message's own maximum.
	ErrPayloadTooLarge = ErrorKind("ErrPayloadTooLarge")

	// ErrBadChecksum is returned when a payload's checksum does not match
	// the one in its message header.
	ErrBadChecksum = ErrorKind("ErrBadChecksum")

	// ErrWrongNetwork is returned when a message header carries the magic
	// of another network.
	ErrWrongNetwork = ErrorKind("ErrWrongNetwork")

	// ErrUnknownCommand is returned by ReadMessage for a well-framed message
	// whose command is not known. Its payload has been read and discarded,
	// so the caller may simply continue reading.
	ErrUnknownCommand = ErrorKind("ErrUnknownCommand")

	// ErrMalformedCommand is returned when a header's command field is not
	// printable ASCII followed only by NUL padding.
	ErrMalformedCommand = ErrorKind("ErrMalformedCommand")

	// ErrTrailingBytes is returned when a payload holds bytes after the
	// end of the message it encodes.
	ErrTrailingBytes = ErrorKind("ErrTrailingBytes")

	// ErrMalformedTx is returned for a transaction whose encoding is
	// invalid beyond a plain short read: a bad segwit flag, or a witness
	// flag with only empty witnesses.
	ErrMalformedTx = ErrorKind("ErrMalformedTx")

	// ErrInvalidAddress is returned for a network address that does not
	// fit its network: a BIP155 address of the wrong length, or an onion
	// name with a bad checksum or version.
	ErrInvalidAddress = ErrorKind("ErrInvalidAddress")

	// ErrInvalidMessage is returned for any other malformed message field,
	// or a message that is not valid at the negotiated protocol version.
	ErrInvalidMessage = ErrorKind("ErrInvalidMessage")
)

// Error satisfies the error interface and returns the kind's name.
func (e ErrorKind) Error() string {
	return string(e)
}

// Error is a wire error. Err holds the ErrorKind and Description a human
// readable explanation.
type Error struct {
	Err         error
	Description string
}

// Error satisfies the error interface.
func (e Error) Error() string {
	return e.Description
}

// Unwrap returns the kind so that errors.Is(err, ErrXxx) works.
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
