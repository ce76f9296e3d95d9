package rpcserver

import (
	"context"
	"encoding/json"

	"github.com/tern-org/ternd/internal/rpcjson"
)

// zmqMethods returns getzmqnotifications, which Core serves whenever it is
// built with ZMQ, with an empty list when no notification is on.
func (s *Server) zmqMethods() []rpcjson.Method {
	return []rpcjson.Method{{
		Name:     "getzmqnotifications",
		Category: "Zmq",
		Help: "Returns information about the active ZeroMQ notifications.\n\nResult:\n[\n  {\n" +
			"    \"type\" : \"str\",    (string) Type of notification\n" +
			"    \"address\" : \"str\",    (string) Address of the publisher\n" +
			"    \"hwm\" : n    (numeric) Outbound message high water mark\n  },\n  ...\n]",
		Handler: s.handleGetZMQNotifications,
	}}
}

// zmqNotificationJSON is one entry of getzmqnotifications.
type zmqNotificationJSON struct {
	Type    string `json:"type"`
	Address string `json:"address"`
	HWM     int    `json:"hwm"`
}

// handleGetZMQNotifications implements getzmqnotifications: Core's "type"
// is the option's name without its dash ("pubrawtx").
func (s *Server) handleGetZMQNotifications(context.Context, []json.RawMessage) (any, error) {
	out := []zmqNotificationJSON{}
	if s.cfg.ZMQ != nil {
		for _, ep := range s.cfg.ZMQ.Endpoints() {
			out = append(out, zmqNotificationJSON{Type: "pub" + ep.Topic, Address: ep.Address, HWM: ep.HWM})
		}
	}
	return out, nil
}
