package chaingen

import "github.com/btcsuite/btclog"

// log is the package logger; it is disabled until UseLogger is called. The
// generator logs nothing today; the hook keeps the package's shape uniform.
var log = btclog.Disabled

// UseLogger sets the package logger.
func UseLogger(logger btclog.Logger) { log = logger }
