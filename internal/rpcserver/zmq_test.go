package rpcserver

import (
	"testing"
)

// testZMQ is a ZMQNotifier stub.
type testZMQ []ZMQEndpoint

func (z testZMQ) Endpoints() []ZMQEndpoint { return z }

// TestHandlerGetZMQNotifications checks getzmqnotifications with and
// without notifications: Core's "pub"-prefixed types, an empty array when
// none is on.
func TestHandlerGetZMQNotifications(t *testing.T) {
	tests := []struct {
		name string
		zmq  ZMQNotifier
		want string
	}{
		{"none", nil, `[]`},
		{"two", testZMQ{{Topic: "rawblock", Address: "tcp://127.0.0.1:28332", HWM: 1000},
			{Topic: "sequence", Address: "tcp://127.0.0.1:28333", HWM: 0}},
			`[{"type":"pubrawblock","address":"tcp://127.0.0.1:28332","hwm":1000},` +
				`{"type":"pubsequence","address":"tcp://127.0.0.1:28333","hwm":0}]`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newHandlerEnv(t, regtestParams(t), func(_ *handlerEnv, cfg *Config) { cfg.ZMQ = tc.zmq })
			raw, rerr := e.call(t, "getzmqnotifications")
			if rerr != nil || string(raw) != tc.want {
				t.Fatalf("got %s %v, want %s", raw, rerr, tc.want)
			}
		})
	}
}
