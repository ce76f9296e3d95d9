package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"
)

// maxReply bounds the bytes read from one HTTP reply.
const maxReply = 64 << 20

// rpcClient is a JSON-RPC client over HTTP with basic authentication. It
// is safe for concurrent use.
type rpcClient struct {
	url        string
	user, pass string
	http       *http.Client
	ids        atomic.Int64
}

// newRPCClient returns a client of the server at addr (host:port). It keeps
// up to idle connections open between requests when the server allows it
// (btcd closes every connection after its reply; ternd keeps them).
func newRPCClient(addr, user, pass string, idle int) *rpcClient {
	tr := &http.Transport{MaxIdleConnsPerHost: idle, MaxIdleConns: idle, DisableCompression: true,
		IdleConnTimeout: 30 * time.Second}
	return &rpcClient{url: "http://" + addr, user: user, pass: pass,
		http: &http.Client{Transport: tr, Timeout: 2 * time.Minute}}
}

// close drops the client's idle connections.
func (c *rpcClient) close() { c.http.CloseIdleConnections() }

// rpcError is an error object in a reply.
type rpcError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

func (e *rpcError) Error() string { return fmt.Sprintf("rpc error %d: %s", e.Code, e.Message) }

// reply is one JSON-RPC reply.
type reply struct {
	Result json.RawMessage `json:"result"`
	Error  *rpcError       `json:"error"`
	ID     json.RawMessage `json:"id"`
}

// post sends body and returns the reply's bytes.
func (c *rpcClient) post(ctx context.Context, body []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.SetBasicAuth(c.user, c.pass)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxReply))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusServiceUnavailable {
		return nil, fmt.Errorf("HTTP %d: %q", resp.StatusCode, truncate(data, 200))
	}
	return data, nil
}

// call sends one JSON-RPC 1.0 request and decodes its result into result
// (unless nil).
func (c *rpcClient) call(ctx context.Context, method string, result any, params ...any) error {
	if params == nil {
		params = []any{}
	}
	body, err := json.Marshal(map[string]any{"jsonrpc": "1.0", "id": c.ids.Add(1),
		"method": method, "params": params})
	if err != nil {
		return err
	}
	data, err := c.post(ctx, body)
	if err != nil {
		return fmt.Errorf("%s: %w", method, err)
	}
	var r reply
	if err := json.Unmarshal(data, &r); err != nil {
		return fmt.Errorf("%s: bad reply %q", method, truncate(data, 200))
	}
	if r.Error != nil {
		return fmt.Errorf("%s: %w", method, r.Error)
	}
	if result != nil {
		if err := json.Unmarshal(r.Result, result); err != nil {
			return fmt.Errorf("%s: result %q: %v", method, truncate(r.Result, 200), err)
		}
	}
	return nil
}

// submitBatchBody returns a JSON-RPC 2.0 batch array of submitblock
// requests for blocks, numbered from firstID.
func submitBatchBody(blocks [][]byte, firstID int) []byte {
	n := 2
	for _, raw := range blocks {
		n += 2*len(raw) + 80
	}
	b := make([]byte, 0, n)
	b = append(b, '[')
	for i, raw := range blocks {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"jsonrpc":"2.0","id":`...)
		b = strconv.AppendInt(b, int64(firstID+i), 10)
		b = append(b, `,"method":"submitblock","params":["`...)
		b = hex.AppendEncode(b, raw)
		b = append(b, `"]}`...)
	}
	return append(b, ']')
}

// countReplies returns how many replies in data (one object or a batch
// array) succeeded, and the first error message seen.
func countReplies(data []byte) (ok, failed int, firstErr string, err error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return 0, 0, "", fmt.Errorf("empty reply")
	}
	var replies []reply
	if data[0] == '[' {
		if err := json.Unmarshal(data, &replies); err != nil {
			return 0, 0, "", fmt.Errorf("bad batch reply %q", truncate(data, 200))
		}
	} else {
		var r reply
		if err := json.Unmarshal(data, &r); err != nil {
			return 0, 0, "", fmt.Errorf("bad reply %q", truncate(data, 200))
		}
		replies = []reply{r}
	}
	for _, r := range replies {
		if r.Error != nil {
			failed++
			if firstErr == "" {
				firstErr = r.Error.Error()
			}
			continue
		}
		ok++
	}
	return ok, failed, firstErr, nil
}

// truncate shortens b to n bytes.
func truncate(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}
