package metrics

import "github.com/btcsuite/btclog"

// log is the package logger, disabled until the daemon installs its
// backend with UseLogger.
var log = btclog.Disabled

// UseLogger sets the package logger (subsystem MTRC). Call it once at
// start-up, before Start.
func UseLogger(logger btclog.Logger) { log = logger }
