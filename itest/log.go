package itest

import "github.com/btcsuite/btclog"

// log is the package logger. It is disabled by default so that a library
// user sees no output until the daemon installs its backend with UseLogger.
var log = btclog.Disabled

// UseLogger sets the logger used by the package. It is meant to be called once
// at start-up, before any other function of the package runs.
func UseLogger(logger btclog.Logger) {
	log = logger
}
