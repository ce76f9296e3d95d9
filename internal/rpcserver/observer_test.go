package rpcserver

import (
	"context"
	"encoding/json"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/tern-org/ternd/internal/rpcjson"
)

// recordObserver keeps what the server reported.
type recordObserver struct {
	mu   sync.Mutex
	seen []observed
}

type observed struct {
	method string
	took   time.Duration
	code   rpcjson.RPCErrorCode // 0: success
}

func (o *recordObserver) ObserveRequest(method string, took time.Duration, err *rpcjson.RPCError) {
	o.mu.Lock()
	defer o.mu.Unlock()
	var code rpcjson.RPCErrorCode
	if err != nil {
		code = err.Code
	}
	o.seen = append(o.seen, observed{method, took, code})
}

// TestRequestObserver: every request for a known method is reported once
// it finished, with its error; unknown methods and malformed parameters
// are not (their names are the client's, not a bounded set).
func TestRequestObserver(t *testing.T) {
	tests := []struct {
		name     string
		method   string
		params   string
		want     bool
		wantCode rpcjson.RPCErrorCode
	}{
		{"success", "square", `[3]`, true, 0},
		{"handler error", "square", `[-1]`, true, rpcjson.ErrRPCInvalidParameter},
		{"unknown method", "nosuchmethod", `[]`, false, 0},
		{"too many parameters", "square", `[1,2,3]`, false, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			obs := &recordObserver{}
			tr := startTestRPC(t, Config{Observer: obs}, true)
			tr.srv.Execute(context.Background(), tc.method, json.RawMessage(tc.params))
			obs.mu.Lock()
			defer obs.mu.Unlock()
			if !tc.want {
				if len(obs.seen) != 0 {
					t.Fatalf("observed %+v", obs.seen)
				}
				return
			}
			if len(obs.seen) != 1 || obs.seen[0].method != tc.method || obs.seen[0].code != tc.wantCode ||
				obs.seen[0].took < 0 {
				t.Fatalf("observed %+v, want one %s with code %d", obs.seen, tc.method, tc.wantCode)
			}
		})
	}
}

// TestBoundListeners: a server given listeners bound by the daemon serves
// on them and binds nothing else.
func TestBoundListeners(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Bound: []net.Listener{l}, CookiePath: t.TempDir() + "/.cookie", MaxClients: 2,
		Loggers: testLoggers()}
	cfg.Listeners = []string{"127.0.0.1:1"} // never bound: Bound wins
	s := mustNew(t, cfg)
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	addrs := s.Addrs()
	if len(addrs) != 1 || addrs[0].String() != l.Addr().String() {
		t.Fatalf("serving on %v, want %v", addrs, l.Addr())
	}
}
