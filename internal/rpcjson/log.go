package rpcjson

import "github.com/btcsuite/btclog"

// log is the package logger; it is disabled until UseLogger is called.
var log = btclog.Disabled

// UseLogger sets the logger used by the package. It must be called before
// the package is used from several goroutines.
func UseLogger(logger btclog.Logger) {
	log = logger
}
