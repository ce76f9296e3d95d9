// Package rpcjson holds the JSON-RPC request, response and error types shared by
// ternd's RPC server (rpcserver.go in the root package) and the ternctl client.
//
// The shapes follow Bitcoin Core so bitcoind clients work unchanged:
//
//   - A request is {"jsonrpc"?, "method", "params"?, "id"?}. "jsonrpc" absent or
//     "1.0" selects the legacy 1.0 behaviour; "2.0" selects JSON-RPC 2.0
//     (Core v28+). ParseRequest decodes one request object and reports
//     protocol errors as *RPCError values carrying Core's codes.
//   - A legacy reply always carries "result" and "error" (one of them null) and
//     the id; a 2.0 reply carries "jsonrpc":"2.0" and only one of
//     "result"/"error". NewResponse builds either.
//   - Errors are {"code": N, "message": "..."} with Core's numeric codes
//     (ErrRPCParse = -32700, ErrRPCInvalidRequest = -32600, ...).
//
// Method handlers (see the Method type) receive positional parameters as
// []json.RawMessage; named parameters are mapped to positions with
// MapNamedParams using the method's parameter names, exactly as Core's
// transformNamedArguments does. The helpers Param, ParamOpt and the
// UnmarshalParam family turn a raw parameter into a Go value and report type
// mismatches with Core's RPC_TYPE_ERROR (-3).
//
// Client is a small JSON-RPC client for tests and tools (integration tests
// can drive ternd or bitcoind with it); ternctl builds on the same types.
//
// The cookie helpers (WriteCookie, ReadCookie, CookieUser, CookieFileName)
// implement bitcoind's cookie authentication: a file ".cookie" in the
// network data directory holding "__cookie__:<64 hex chars>", mode 0600,
// written at server start and removed at stop.
package rpcjson
