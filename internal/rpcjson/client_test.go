package rpcjson

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestClient(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "u" || p != "p" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		body, _ := io.ReadAll(r.Body)
		req, rerr := ParseRequest(body)
		if rerr != nil {
			w.WriteHeader(400)
			w.Write(NewResponse(req.Version, req.ID, nil, rerr))
			return
		}
		switch req.Method {
		case "echo":
			w.Write(NewResponse(req.Version, req.ID, req.Params, nil))
		case "garbage":
			w.WriteHeader(503)
			w.Write([]byte("busy"))
		default:
			w.WriteHeader(404)
			w.Write(NewResponse(req.Version, req.ID, nil, NewRPCError(ErrRPCMethodNotFound, "Method not found")))
		}
	}))
	defer srv.Close()
	ctx := context.Background()
	c := &Client{URL: srv.URL, User: "u", Pass: "p"}

	var got []any
	if err := c.CallResult(ctx, &got, "echo", 1, "two", []int{3}); err != nil || len(got) != 3 || got[1] != "two" {
		t.Fatalf("echo: %v %v", got, err)
	}
	raw, err := c.CallRaw(ctx, "echo", map[string]json.RawMessage{"a": json.RawMessage("1")})
	if err != nil || string(raw) != `{"a":1}` {
		t.Fatalf("named: %s %v", raw, err)
	}
	_, err = c.Call(ctx, "nope")
	var rerr *RPCError
	if !errors.As(err, &rerr) || rerr.Code != ErrRPCMethodNotFound {
		t.Fatalf("not found: %v", err)
	}
	if _, err := c.Call(ctx, "garbage"); !errors.Is(err, ErrMalformedResponse) {
		t.Fatalf("garbage: %v", err)
	}
	bad := &Client{URL: srv.URL, User: "u", Pass: "x"}
	if _, err := bad.Call(ctx, "echo"); !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("401: %v", err)
	}
}
