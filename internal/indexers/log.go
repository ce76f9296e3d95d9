package indexers

import "github.com/btcsuite/btclog"

// log is the package logger; it is disabled until the daemon calls UseLogger.
var log = btclog.Disabled

// UseLogger sets the logger used by the package. It is meant to be called
// once, at start-up, before any index is opened.
func UseLogger(logger btclog.Logger) { log = logger }
