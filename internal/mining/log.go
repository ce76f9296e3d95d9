package mining

import "github.com/btcsuite/btclog"

// log is the package logger, disabled until UseLogger is called.
var log = btclog.Disabled

// UseLogger sets the logger the package writes to (subsystem MINR).
func UseLogger(logger btclog.Logger) { log = logger }
