package txscript

import "github.com/btcsuite/btclog"

// log is the package logger; it is disabled until UseLogger is called.
var log = btclog.Disabled

// UseLogger sets the logger the package writes to (subsystem SCRP).
func UseLogger(logger btclog.Logger) {
	log = logger
}
