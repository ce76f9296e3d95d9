package wire

import "github.com/btcsuite/btclog"

// log is the package logger. It is disabled by default so that the library
// never writes output unless the caller asks for it with UseLogger.
var log = btclog.Disabled

// UseLogger sets the logger used by the package. It is not safe to call it
// concurrently with other package functions; call it once during start-up.
func UseLogger(logger btclog.Logger) {
	log = logger
}
