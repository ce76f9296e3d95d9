package benchnode

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"time"
)

// maxReply bounds the bytes read from one HTTP reply.
const maxReply = 64 << 20

// Client is a JSON-RPC client over HTTP with basic authentication. It
// is safe for concurrent use.
type Client struct {
	url        string
	user, pass string
	http       *http.Client
	ids        atomic.Int64
}

// NewClient returns a client of the server at addr (host:port). It keeps
// up to idle connections open between requests when the server allows it
// (btcd closes every connection after its reply; ternd keeps them).
func NewClient(addr, user, pass string, idle int) *Client {
	tr := &http.Transport{MaxIdleConnsPerHost: idle, MaxIdleConns: idle, DisableCompression: true,
		IdleConnTimeout: 30 * time.Second}
	return &Client{url: "http://" + addr, user: user, pass: pass,
		http: &http.Client{Transport: tr, Timeout: 2 * time.Minute}}
}

// Close drops the client's idle connections.
func (c *Client) Close() { c.http.CloseIdleConnections() }

// RPCError is an error object in a reply.
type RPCError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

func (e *RPCError) Error() string { return fmt.Sprintf("rpc error %d: %s", e.Code, e.Message) }

// Reply is one JSON-RPC reply.
type Reply struct {
	Result json.RawMessage `json:"result"`
	Error  *RPCError       `json:"error"`
	ID     json.RawMessage `json:"id"`
}

// Post sends body and returns the reply's bytes.
func (c *Client) Post(ctx context.Context, body []byte) ([]byte, error) {
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
		return nil, fmt.Errorf("HTTP %d: %q", resp.StatusCode, Truncate(data, 200))
	}
	return data, nil
}

// Call sends one JSON-RPC 1.0 request and decodes its result into result
// (unless nil).
func (c *Client) Call(ctx context.Context, method string, result any, params ...any) error {
	if params == nil {
		params = []any{}
	}
	body, err := json.Marshal(map[string]any{"jsonrpc": "1.0", "id": c.ids.Add(1),
		"method": method, "params": params})
	if err != nil {
		return err
	}
	data, err := c.Post(ctx, body)
	if err != nil {
		return fmt.Errorf("%s: %w", method, err)
	}
	var r Reply
	if err := json.Unmarshal(data, &r); err != nil {
		return fmt.Errorf("%s: bad reply %q", method, Truncate(data, 200))
	}
	if r.Error != nil {
		return fmt.Errorf("%s: %w", method, r.Error)
	}
	if result != nil {
		if err := json.Unmarshal(r.Result, result); err != nil {
			return fmt.Errorf("%s: result %q: %v", method, Truncate(r.Result, 200), err)
		}
	}
	return nil
}

// CountReplies returns how many replies in data (one object or a batch
// array) succeeded, and the first error message seen.
func CountReplies(data []byte) (ok, failed int, firstErr string, err error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return 0, 0, "", fmt.Errorf("empty reply")
	}
	var replies []Reply
	if data[0] == '[' {
		if err := json.Unmarshal(data, &replies); err != nil {
			return 0, 0, "", fmt.Errorf("bad batch reply %q", Truncate(data, 200))
		}
	} else {
		var r Reply
		if err := json.Unmarshal(data, &r); err != nil {
			return 0, 0, "", fmt.Errorf("bad reply %q", Truncate(data, 200))
		}
		replies = []Reply{r}
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

// Truncate shortens b to n bytes.
func Truncate(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}
