package chaincfg

import "github.com/btcsuite/btclog"

// log is the package logger, disabled by default.
var log = btclog.Disabled

// UseLogger sets the package logger. Call it once during start-up.
func UseLogger(logger btclog.Logger) {
	log = logger
}
