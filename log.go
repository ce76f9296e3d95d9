package main

import (
	"fmt"
	"github.com/tern-org/ternd/internal/zmq"
	"io"
	"os"
	"sort"
	"strings"
	"sync/atomic"

	"github.com/btcsuite/btclog"
	"github.com/tern-org/ternd/addrmgr"
	"github.com/tern-org/ternd/blockchain"
	"github.com/tern-org/ternd/connmgr"
	"github.com/tern-org/ternd/internal/indexers"
	"github.com/tern-org/ternd/internal/metrics"
	"github.com/tern-org/ternd/internal/mining"
	"github.com/tern-org/ternd/internal/netsync"
	"github.com/tern-org/ternd/internal/relay"
	"github.com/tern-org/ternd/internal/rpcserver"
	"github.com/tern-org/ternd/internal/store"
	"github.com/tern-org/ternd/mempool"
	"github.com/tern-org/ternd/peer"
	"github.com/tern-org/ternd/txscript"
	"github.com/tern-org/ternd/wire"
)

const (
	// logFileName is the name of the log file inside the network log dir.
	logFileName = "ternd.log"

	// logMaxSize is the size at which the log file is rotated.
	logMaxSize = 10 * 1024 * 1024

	// logMaxRotated is the number of rotated log files kept (ternd.log.1
	// ... ternd.log.3).
	logMaxRotated = 3
)

// logWriter sends every log line to stdout and, once initLogRotator has
// run, to the rotating log file.
type logWriter struct{}

// fileLog is the rotating log file, nil until initLogRotator runs. It is an
// atomic pointer so the backend can write while start-up installs it.
var fileLog atomic.Pointer[logRotator]

// Write satisfies io.Writer.
func (logWriter) Write(p []byte) (int, error) {
	os.Stdout.Write(p)
	if r := fileLog.Load(); r != nil {
		r.Write(p)
	}
	return len(p), nil
}

// backendLog is the logging backend shared by every subsystem logger.
var backendLog = btclog.NewBackend(io.Writer(logWriter{}))

// Subsystem loggers. The root package logs through ternLog, cnfgLog and
// srvrLog; the others are handed to packages below.
var (
	ternLog = backendLog.Logger("TERN")
	cnfgLog = backendLog.Logger("CNFG")
	rpcsLog = backendLog.Logger("RPCS")
	srvrLog = backendLog.Logger("SRVR")
	peerLog = backendLog.Logger("PEER")
	cmgrLog = backendLog.Logger("CMGR")
	amgrLog = backendLog.Logger("AMGR")
	chanLog = backendLog.Logger("CHAN")
	syncLog = backendLog.Logger("SYNC")
	txmpLog = backendLog.Logger("TXMP")
	minrLog = backendLog.Logger("MINR")
	scrpLog = backendLog.Logger("SCRP")
	storLog = backendLog.Logger("STOR")
	wireLog = backendLog.Logger("WIRE")
	indxLog = backendLog.Logger("INDX")
	rlayLog = backendLog.Logger("RLAY")
	zmqnLog = backendLog.Logger("ZMQN")
	mtrcLog = backendLog.Logger("MTRC")
)

// subsystemLoggers maps each subsystem tag to its logger; --debuglevel and
// the `logging` RPC set levels through it.
var subsystemLoggers = map[string]btclog.Logger{
	"TERN": ternLog,
	"CNFG": cnfgLog,
	"RPCS": rpcsLog,
	"SRVR": srvrLog,
	"PEER": peerLog,
	"CMGR": cmgrLog,
	"AMGR": amgrLog,
	"CHAN": chanLog,
	"SYNC": syncLog,
	"TXMP": txmpLog,
	"MINR": minrLog,
	"SCRP": scrpLog,
	"STOR": storLog,
	"WIRE": wireLog,
	"INDX": indxLog,
	"RLAY": rlayLog,
	"ZMQN": zmqnLog,
	"MTRC": mtrcLog,
}

// packageLoggers is the table of packages that log, each with the subsystem
// whose logger it receives. A new package is wired with ONE line here, e.g.
//
//	{"PEER", peer.UseLogger},
//	{"CMGR", connmgr.UseLogger},
//	{"AMGR", addrmgr.UseLogger},
//	{"SYNC", netsync.UseLogger},
//	{"MINR", mining.UseLogger},
//	{"SCRP", txscript.UseLogger},
var packageLoggers = []struct {
	subsystem string
	useLogger func(btclog.Logger)
}{
	{"WIRE", wire.UseLogger},
	{"STOR", store.UseLogger},
	{"CHAN", blockchain.UseLogger},
	{"TXMP", mempool.UseLogger},
	{"MINR", mining.UseLogger},
	{"SCRP", txscript.UseLogger},
	{"RPCS", rpcserver.UseLogger},
	{"PEER", peer.UseLogger},
	{"CMGR", connmgr.UseLogger},
	{"AMGR", addrmgr.UseLogger},
	{"SYNC", netsync.UseLogger},
	{"INDX", indexers.UseLogger},
	{"RLAY", relay.UseLogger},
	{"ZMQN", zmq.UseLogger},
	{"MTRC", metrics.UseLogger},
}

// useLoggers hands every package in packageLoggers its subsystem logger. It
// runs once at start-up before any package is used.
func useLoggers() {
	for _, p := range packageLoggers {
		p.useLogger(subsystemLoggers[p.subsystem])
	}
}

// initLogRotator starts writing the log to logFile (rotated by size) in
// addition to stdout.
func initLogRotator(logFile string) error {
	r, err := newLogRotator(logFile, logMaxSize, logMaxRotated)
	if err != nil {
		return fmt.Errorf("failed to create log file %s: %w", logFile, err)
	}
	fileLog.Store(r)
	return nil
}

// closeLogRotator stops writing to the log file and closes it.
func closeLogRotator() {
	if r := fileLog.Swap(nil); r != nil {
		r.Close()
	}
}

// supportedSubsystems returns the sorted subsystem tags.
func supportedSubsystems() []string {
	subs := make([]string, 0, len(subsystemLoggers))
	for s := range subsystemLoggers {
		subs = append(subs, s)
	}
	sort.Strings(subs)
	return subs
}

// validLogLevel reports whether s names a btclog level.
func validLogLevel(s string) bool {
	switch s {
	case "trace", "debug", "info", "warn", "error", "critical", "off":
		return true
	}
	return false
}

// parseDebugLevel checks a --debuglevel value, either one level for every
// subsystem or a list SUBSYS=level,... (a bare level inside the list sets
// the default for subsystems not named), and returns the levels it sets.
// Nothing is changed; applyDebugLevel does that.
func parseDebugLevel(spec string) (map[string]btclog.Level, error) {
	levels := make(map[string]btclog.Level)
	setAll := func(lvl btclog.Level) {
		for s := range subsystemLoggers {
			if _, ok := levels[s]; !ok {
				levels[s] = lvl
			}
		}
	}
	if !strings.Contains(spec, "=") && !strings.Contains(spec, ",") {
		if !validLogLevel(spec) {
			return nil, fmt.Errorf("--debuglevel: %q is not a log level; use one of "+
				"trace, debug, info, warn, error, critical, off, or SUBSYS=level,... "+
				"(--debuglevel=show lists the subsystems)", spec)
		}
		lvl, _ := btclog.LevelFromString(spec)
		setAll(lvl)
		return levels, nil
	}
	var deflt *btclog.Level
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		sub, lvlStr, ok := strings.Cut(part, "=")
		if !ok {
			if !validLogLevel(part) {
				return nil, fmt.Errorf("--debuglevel: %q is neither a level nor SUBSYS=level", part)
			}
			l, _ := btclog.LevelFromString(part)
			deflt = &l
			continue
		}
		sub = strings.ToUpper(strings.TrimSpace(sub))
		lvlStr = strings.TrimSpace(lvlStr)
		if _, exists := subsystemLoggers[sub]; !exists {
			return nil, fmt.Errorf("--debuglevel: unknown subsystem %q; the subsystems are %s",
				sub, strings.Join(supportedSubsystems(), ", "))
		}
		if !validLogLevel(lvlStr) {
			return nil, fmt.Errorf("--debuglevel: %q is not a log level for %s; use one of "+
				"trace, debug, info, warn, error, critical, off", lvlStr, sub)
		}
		levels[sub], _ = btclog.LevelFromString(lvlStr)
	}
	if deflt != nil {
		setAll(*deflt)
	}
	return levels, nil
}

// applyDebugLevel sets subsystem levels from a --debuglevel value checked
// by parseDebugLevel.
func applyDebugLevel(spec string) error {
	levels, err := parseDebugLevel(spec)
	if err != nil {
		return err
	}
	for s, l := range levels {
		subsystemLoggers[s].SetLevel(l)
	}
	return nil
}
