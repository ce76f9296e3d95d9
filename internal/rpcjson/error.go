package rpcjson

import (
	"errors"
	"fmt"
)

// ErrorKind identifies a kind of error returned by the package's decoding
// and cookie helpers. It implements error so it can be used with errors.Is.
type ErrorKind string

// These constants are the kinds of error returned by the package.
const (
	// ErrMalformedRequest indicates a request that is not a valid JSON-RPC
	// request object.
	ErrMalformedRequest = ErrorKind("ErrMalformedRequest")

	// ErrMalformedResponse indicates a reply that is not a valid JSON-RPC
	// response object.
	ErrMalformedResponse = ErrorKind("ErrMalformedResponse")

	// ErrBadCookie indicates a cookie file that cannot be read or has no
	// "user:password" content.
	ErrBadCookie = ErrorKind("ErrBadCookie")
)

// Error satisfies the error interface and prints the kind.
func (e ErrorKind) Error() string {
	return string(e)
}

// Error describes a failure of the package's helpers. Unwrap returns the
// kind so callers can write errors.Is(err, rpcjson.ErrBadCookie).
type Error struct {
	Err         error
	Description string
}

// Error satisfies the error interface.
func (e Error) Error() string {
	return e.Description
}

// Unwrap returns the underlying kind.
func (e Error) Unwrap() error {
	return e.Err
}

// makeError creates an Error of the given kind.
func makeError(kind ErrorKind, format string, args ...any) Error {
	return Error{Err: kind, Description: fmt.Sprintf(format, args...)}
}

// RPCErrorCode is a numeric JSON-RPC error code as used by Bitcoin Core.
type RPCErrorCode int

// Bitcoin Core's RPC error codes (src/rpc/protocol.h). Handlers return an
// *RPCError with one of these codes; any other error is reported as
// ErrRPCMisc with the error's text.
const (
	// Standard JSON-RPC 2.0 errors.
	ErrRPCInvalidRequest RPCErrorCode = -32600
	ErrRPCMethodNotFound RPCErrorCode = -32601
	ErrRPCInvalidParams  RPCErrorCode = -32602
	ErrRPCInternal       RPCErrorCode = -32603
	ErrRPCParse          RPCErrorCode = -32700

	// General application-defined errors.
	ErrRPCMisc                  RPCErrorCode = -1
	ErrRPCType                  RPCErrorCode = -3
	ErrRPCInvalidAddressOrKey   RPCErrorCode = -5
	ErrRPCOutOfMemory           RPCErrorCode = -7
	ErrRPCInvalidParameter      RPCErrorCode = -8
	ErrRPCDatabase              RPCErrorCode = -20
	ErrRPCDeserialization       RPCErrorCode = -22
	ErrRPCVerify                RPCErrorCode = -25
	ErrRPCVerifyRejected        RPCErrorCode = -26
	ErrRPCVerifyAlreadyInChain  RPCErrorCode = -27
	ErrRPCInWarmup              RPCErrorCode = -28
	ErrRPCMethodDeprecated      RPCErrorCode = -32
	ErrRPCClientNotConnected    RPCErrorCode = -9
	ErrRPCClientInInitialDownld RPCErrorCode = -10
	ErrRPCClientNodeNotAdded    RPCErrorCode = -24
)

// RPCError is the JSON-RPC error object {"code", "message"}. It implements
// error so handlers can return it directly.
type RPCError struct {
	Code    RPCErrorCode `json:"code"`
	Message string       `json:"message"`
}

// Error satisfies the error interface.
func (e *RPCError) Error() string {
	return fmt.Sprintf("%d: %s", e.Code, e.Message)
}

// NewRPCError returns an *RPCError with the given code and message.
func NewRPCError(code RPCErrorCode, message string) *RPCError {
	return &RPCError{Code: code, Message: message}
}

// NewRPCErrorf is NewRPCError with a format string.
func NewRPCErrorf(code RPCErrorCode, format string, args ...any) *RPCError {
	return &RPCError{Code: code, Message: fmt.Sprintf(format, args...)}
}

// AsRPCError converts any error returned by a handler to the error object
// sent to the client: an *RPCError anywhere in the chain is used as is, any
// other error becomes ErrRPCMisc with the error's text, as Core does for
// exceptions thrown by a handler.
func AsRPCError(err error) *RPCError {
	var rerr *RPCError
	if errors.As(err, &rerr) {
		return rerr
	}
	return &RPCError{Code: ErrRPCMisc, Message: err.Error()}
}
