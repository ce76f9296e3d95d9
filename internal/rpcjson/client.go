package rpcjson

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
)

// maxClientReply bounds the reply a Client reads.
const maxClientReply = 256 << 20

// ErrUnauthorized is returned by Client.Call when the server answers 401.
var ErrUnauthorized = errors.New("Authorization failed: Incorrect rpcuser or rpcpassword")

// Client is a minimal JSON-RPC client for ternd or bitcoind, for tests and
// tools (ternctl has its own, with bitcoin-cli's options). It is safe for
// concurrent use.
type Client struct {
	// URL is the server's address, e.g. "http://127.0.0.1:18443/".
	URL string

	// User and Pass are the basic-auth credentials.
	User, Pass string

	// HTTP is the HTTP client; nil means http.DefaultClient.
	HTTP *http.Client

	nextID atomic.Int64
}

// Call invokes method with positional params (each encoded with
// encoding/json) and returns the raw result. An error object in the reply
// is returned as *RPCError; a 401 as ErrUnauthorized.
func (c *Client) Call(ctx context.Context, method string, params ...any) (json.RawMessage, error) {
	raw := make([]json.RawMessage, 0, len(params))
	for _, p := range params {
		b, err := json.Marshal(p)
		if err != nil {
			return nil, err
		}
		raw = append(raw, b)
	}
	return c.CallRaw(ctx, method, raw)
}

// CallRaw is Call with params already encoded: a []json.RawMessage
// (positional) or a map[string]json.RawMessage (named).
func (c *Client) CallRaw(ctx context.Context, method string, params any) (json.RawMessage, error) {
	req, err := NewRequest(VersionLegacy, c.nextID.Add(1), method, params)
	if err != nil {
		return nil, err
	}
	body, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	hreq.Header.Set("Content-Type", "application/json")
	hreq.SetBasicAuth(c.User, c.Pass)
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(hreq)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxClientReply))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode == http.StatusUnauthorized {
		return nil, ErrUnauthorized
	}
	reply, err := ParseResponse(data)
	if err != nil {
		return nil, makeError(ErrMalformedResponse, "HTTP %d: %s", resp.StatusCode,
			strings.TrimSpace(string(data)))
	}
	if reply.Error != nil {
		return nil, reply.Error
	}
	if resp.StatusCode != http.StatusOK {
		return nil, makeError(ErrMalformedResponse, "HTTP %d without an error object", resp.StatusCode)
	}
	return reply.Result, nil
}

// CallResult is Call followed by decoding the result into v.
func (c *Client) CallResult(ctx context.Context, v any, method string, params ...any) error {
	raw, err := c.Call(ctx, method, params...)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("decode %s result: %w", method, err)
	}
	return nil
}
