package rpcserver

import "github.com/btcsuite/btclog"

// log is the package logger (the RPCS subsystem); it is disabled until
// UseLogger is called.
var log = btclog.Disabled

// UseLogger sets the logger used by the package. It must be called before
// the server starts.
func UseLogger(logger btclog.Logger) {
	log = logger
}
