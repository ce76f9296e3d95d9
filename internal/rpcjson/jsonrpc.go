package rpcjson

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Version is the JSON-RPC protocol version of a request, which decides the
// shape of its reply and the HTTP status rules.
type Version int

const (
	// VersionLegacy is JSON-RPC 1.0/1.1 as bitcoind has always spoken it:
	// "jsonrpc" absent or "1.0"; replies carry both "result" and "error";
	// errors of a single request map to HTTP 400/404/500.
	VersionLegacy Version = iota

	// Version2 is JSON-RPC 2.0 ("jsonrpc":"2.0"): replies carry only one of
	// "result" and "error", errors come with HTTP 200, and requests without
	// an id are notifications that get no reply (HTTP 204).
	Version2
)

// String returns "1.0" or "2.0".
func (v Version) String() string {
	if v == Version2 {
		return "2.0"
	}
	return "1.0"
}

// Request is the wire form of a request, used by clients such as ternctl.
type Request struct {
	Jsonrpc string          `json:"jsonrpc,omitempty"`
	Method  string          `json:"method"`
	Params  json.RawMessage `json:"params"`
	ID      json.RawMessage `json:"id,omitempty"`
}

// NewRequest builds a request. params may be nil (sent as []), a
// []json.RawMessage (positional) or a map[string]json.RawMessage (named).
func NewRequest(version Version, id any, method string, params any) (*Request, error) {
	req := &Request{Method: method}
	if version == Version2 {
		req.Jsonrpc = "2.0"
	} else {
		req.Jsonrpc = "1.0"
	}
	if id != nil {
		raw, err := json.Marshal(id)
		if err != nil {
			return nil, err
		}
		req.ID = raw
	}
	if params == nil {
		req.Params = json.RawMessage("[]")
	} else {
		raw, err := json.Marshal(params)
		if err != nil {
			return nil, err
		}
		req.Params = raw
	}
	return req, nil
}

// ParsedRequest is one request object as the server understood it.
type ParsedRequest struct {
	// Version is the protocol version; it is known as soon as the "jsonrpc"
	// member was read, so even a request rejected later replies in its own
	// version's shape.
	Version Version

	// ID is the raw id; HasID says whether the member was present at all
	// (an explicit null counts as present).
	ID    json.RawMessage
	HasID bool

	// Method is the method name.
	Method string

	// Params is the raw "params" member: a JSON array or object ([] when
	// absent or null).
	Params json.RawMessage
}

// IsNotification reports whether the request is a JSON-RPC 2.0
// notification (no id), which is executed but gets no reply.
func (r *ParsedRequest) IsNotification() bool {
	return r.Version == Version2 && !r.HasID
}

// ParseRequest decodes one request object with the checks and messages of
// Bitcoin Core's JSONRPCRequest::parse. The returned request is never nil:
// on error it holds what was parsed before the error (id and version) so
// the reply can carry them.
func ParseRequest(data []byte) (*ParsedRequest, *RPCError) {
	req := &ParsedRequest{ID: json.RawMessage("null"), HasID: true}
	var obj map[string]json.RawMessage
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 || trimmed[0] != '{' || json.Unmarshal(trimmed, &obj) != nil {
		return req, NewRPCError(ErrRPCInvalidRequest, "Invalid Request object")
	}

	// The id is read first so that every later error carries it.
	if id, ok := obj["id"]; ok {
		req.ID = id
	} else {
		req.ID, req.HasID = nil, false
	}

	if v, ok := obj["jsonrpc"]; ok && !isNull(v) {
		var s string
		if json.Unmarshal(v, &s) != nil {
			return req, NewRPCError(ErrRPCInvalidRequest, "jsonrpc field must be a string")
		}
		switch s {
		case "1.0":
			// Older documentation put "1.0" in requests; it means legacy.
			req.Version = VersionLegacy
		case "2.0":
			req.Version = Version2
		default:
			return req, NewRPCError(ErrRPCInvalidRequest, "JSON-RPC version not supported")
		}
	}

	m, ok := obj["method"]
	if !ok || isNull(m) {
		return req, NewRPCError(ErrRPCInvalidRequest, "Missing method")
	}
	if json.Unmarshal(m, &req.Method) != nil {
		return req, NewRPCError(ErrRPCInvalidRequest, "Method must be a string")
	}

	p, ok := obj["params"]
	switch {
	case !ok || isNull(p):
		req.Params = json.RawMessage("[]")
	case jsonKind(p) == "array" || jsonKind(p) == "object":
		req.Params = p
	default:
		return req, NewRPCError(ErrRPCInvalidRequest, "Params must be an array or object")
	}
	return req, nil
}

// NewResponse encodes a reply in the shape Core uses for the version: for
// legacy both "result" and "error" (one null) and the id; for 2.0
// "jsonrpc":"2.0" and only the non-null one of "result"/"error". The id is
// omitted when id is nil (a request that had no id member). result must be
// valid JSON or nil (null).
func NewResponse(version Version, id json.RawMessage, result json.RawMessage, rerr *RPCError) []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	if version == Version2 {
		b.WriteString(`"jsonrpc":"2.0",`)
	}
	if result == nil {
		result = json.RawMessage("null")
	}
	if rerr == nil {
		b.WriteString(`"result":`)
		b.Write(result)
		if version == VersionLegacy {
			b.WriteString(`,"error":null`)
		}
	} else {
		if version == VersionLegacy {
			b.WriteString(`"result":null,`)
		}
		e, _ := json.Marshal(rerr)
		b.WriteString(`"error":`)
		b.Write(e)
	}
	if id != nil {
		b.WriteString(`,"id":`)
		b.Write(id)
	}
	b.WriteByte('}')
	return b.Bytes()
}

// Response is the decoded form of a reply, used by clients.
type Response struct {
	Jsonrpc string          `json:"jsonrpc,omitempty"`
	Result  json.RawMessage `json:"result"`
	Error   *RPCError       `json:"error"`
	ID      json.RawMessage `json:"id"`
}

// ParseResponse decodes one reply object.
func ParseResponse(data []byte) (*Response, error) {
	var resp Response
	if err := json.Unmarshal(data, &resp); err != nil {
		return nil, makeError(ErrMalformedResponse, "malformed JSON-RPC response: %v", err)
	}
	return &resp, nil
}

// isNull reports whether raw is the JSON literal null.
func isNull(raw json.RawMessage) bool {
	return string(bytes.TrimSpace(raw)) == "null"
}

// jsonKind names the JSON type of raw as Core's UniValue does ("null",
// "bool", "number", "string", "array", "object"), for messages.
func jsonKind(raw json.RawMessage) string {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 {
		return "null"
	}
	switch t[0] {
	case 'n':
		return "null"
	case 't', 'f':
		return "bool"
	case '"':
		return "string"
	case '[':
		return "array"
	case '{':
		return "object"
	default:
		return "number"
	}
}

// Handler runs one RPC method. params are positional (named parameters are
// already mapped to positions; a missing optional parameter is nil or the
// JSON null). The returned value is encoded with encoding/json; a returned
// *RPCError keeps its code, any other error becomes ErrRPCMisc. ctx is
// cancelled when the client goes away or the server shuts down.
type Handler func(ctx context.Context, params []json.RawMessage) (any, error)

// ParamSpec describes one parameter of a method.
type ParamSpec struct {
	// Name is used for named parameters and in help.
	Name string

	// Optional parameters may be omitted or null.
	Optional bool

	// Type is the parameter's JSON type as Core's help names it
	// ("string", "numeric", "boolean", "json array", "json object");
	// string parameters are quoted in the synopsis, as Core prints them.
	Type string
}

// Method is one entry of the RPC method table: the name, the handler, the
// parameters in positional order and the help text. Later packages build
// Methods and hand them to the server's RegisterMethod.
type Method struct {
	// Name is the method name clients call.
	Name string

	// Category groups methods in the output of `help` ("Control",
	// "Blockchain", "Network", "Rawtransactions", "Mining", ...).
	Category string

	// Params lists the parameters in positional order; the names are also
	// the names accepted as named parameters.
	Params []ParamSpec

	// Help is the text after the synopsis line in `help <method>`:
	// a description, "Arguments:", "Result:" and "Examples:" as Core writes.
	Help string

	// Handler runs the method.
	Handler Handler

	// AllowInWarmup lets the method run while the node is still starting
	// (Core rejects every call then with -28; ternd lets stop, uptime and
	// help through so a slow start can be interrupted).
	AllowInWarmup bool
}

// Synopsis returns the first help line: the name, the required parameter
// names and the optional ones in parentheses, as Core prints them.
func (m *Method) Synopsis() string {
	var b strings.Builder
	b.WriteString(m.Name)
	open := false
	for _, p := range m.Params {
		if p.Optional && !open {
			b.WriteString(" (")
			open = true
		}
		b.WriteByte(' ')
		if p.Type == "string" {
			b.WriteString(`"` + p.Name + `"`)
		} else {
			b.WriteString(p.Name)
		}
	}
	if open {
		b.WriteString(" )")
	}
	return b.String()
}

// FullHelp returns the synopsis, a blank line and the help text.
func (m *Method) FullHelp() string {
	if m.Help == "" {
		return m.Synopsis()
	}
	return m.Synopsis() + "\n\n" + strings.TrimRight(m.Help, "\n")
}

// CheckParams verifies the number of parameters: not more than the method
// declares and every required one present and not null. Like Core it
// answers a wrong count with ErrRPCMisc and the method's help as message.
func (m *Method) CheckParams(params []json.RawMessage) *RPCError {
	if len(params) > len(m.Params) {
		return NewRPCError(ErrRPCMisc, m.FullHelp())
	}
	for i, p := range m.Params {
		if p.Optional {
			continue
		}
		if i >= len(params) || params[i] == nil || isNull(params[i]) {
			return NewRPCError(ErrRPCMisc, m.FullHelp())
		}
	}
	return nil
}

// MapParams turns a request's raw params (a JSON array or object) into
// positional parameters for a method whose parameter names are names.
func MapParams(raw json.RawMessage, names []string) ([]json.RawMessage, *RPCError) {
	switch jsonKind(raw) {
	case "array":
		var params []json.RawMessage
		if err := json.Unmarshal(raw, &params); err != nil {
			return nil, NewRPCError(ErrRPCInvalidRequest, "Params must be an array or object")
		}
		return params, nil
	case "object":
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(raw, &obj); err != nil {
			return nil, NewRPCError(ErrRPCInvalidRequest, "Params must be an array or object")
		}
		return MapNamedParams(obj, names)
	case "null":
		return nil, nil
	default:
		return nil, NewRPCError(ErrRPCInvalidRequest, "Params must be an array or object")
	}
}

// MapNamedParams maps named parameters to positions following Core's
// transformNamedArguments: an "args" member (when no parameter is named
// "args") supplies leading positional values; every other key must be a
// parameter name (else ErrRPCInvalidParameter "Unknown named parameter");
// a name may not also be given positionally; unset positions are null and
// trailing nulls are dropped.
func MapNamedParams(obj map[string]json.RawMessage, names []string) ([]json.RawMessage, *RPCError) {
	index := make(map[string]int, len(names))
	for i, n := range names {
		index[n] = i
	}
	var params []json.RawMessage
	if args, ok := obj["args"]; ok {
		if _, named := index["args"]; !named {
			if jsonKind(args) != "array" || json.Unmarshal(args, &params) != nil {
				return nil, NewRPCError(ErrRPCInvalidParameter, "Parameter args must be an array")
			}
		}
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		i, ok := index[k]
		if !ok {
			if _, named := index["args"]; k == "args" && !named {
				continue
			}
			return nil, NewRPCErrorf(ErrRPCInvalidParameter, "Unknown named parameter %s", k)
		}
		if i < len(params) && params[i] != nil && !isNull(params[i]) {
			return nil, NewRPCErrorf(ErrRPCInvalidParameter,
				"Parameter %s specified twice both as positional and named argument", k)
		}
		for len(params) <= i {
			params = append(params, json.RawMessage("null"))
		}
		params[i] = obj[k]
	}
	for len(params) > 0 && isNull(params[len(params)-1]) {
		params = params[:len(params)-1]
	}
	return params, nil
}

// Present reports whether positional parameter i was given and not null.
func Present(params []json.RawMessage, i int) bool {
	return i < len(params) && params[i] != nil && !isNull(params[i])
}

// UnmarshalParam decodes positional parameter i into v when it is present
// and reports whether it was. A value of the wrong JSON type yields Core's
// ErrRPCType message naming the parameter.
func UnmarshalParam(params []json.RawMessage, i int, name string, v any) (bool, error) {
	if !Present(params, i) {
		return false, nil
	}
	if err := json.Unmarshal(params[i], v); err != nil {
		return false, NewRPCErrorf(ErrRPCType,
			"JSON value of type %s for field %s is not of expected type %s",
			jsonKind(params[i]), name, expectedKind(v))
	}
	return true, nil
}

// expectedKind names the JSON type a Go destination expects.
func expectedKind(v any) string {
	switch v.(type) {
	case *string:
		return "string"
	case *bool:
		return "bool"
	case *int, *int32, *int64, *uint32, *uint64, *float64:
		return "number"
	case *[]string, *[]json.RawMessage, *[]any:
		return "array"
	default:
		return fmt.Sprintf("%T", v)
	}
}
