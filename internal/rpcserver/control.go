package rpcserver

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/btcsuite/btclog"
	"github.com/tern-org/ternd/internal/rpcjson"
)

// controlMethods returns the "Control" methods: help, stop, uptime,
// getrpcinfo and logging.
func (s *Server) controlMethods() []rpcjson.Method {
	return []rpcjson.Method{
		{
			Name:          "help",
			Category:      "Control",
			AllowInWarmup: true,
			Params:        []rpcjson.ParamSpec{{Name: "command", Optional: true, Type: "string"}},
			Help: "List all commands, or get help for a specified command.\n\n" +
				"Arguments:\n1. command    (string, optional, default=all commands) The command to get help on\n\n" +
				"Result:\n\"str\"    (string) The help text",
			Handler: func(_ context.Context, params []json.RawMessage) (any, error) {
				var cmd string
				if _, err := rpcjson.UnmarshalParam(params, 0, "command", &cmd); err != nil {
					return nil, err
				}
				return s.helpText(cmd), nil
			},
		},
		{
			Name:          "stop",
			Category:      "Control",
			AllowInWarmup: true,
			Help:          "Request a graceful shutdown of ternd.\n\nResult:\n\"str\"    (string) A string with the content 'ternd stopping'",
			Handler: func(context.Context, []json.RawMessage) (any, error) {
				// The shutdown runs on the main goroutine; the RPC server
				// lets this reply go out before it closes.
				if s.cfg.Shutdown != nil {
					s.cfg.Shutdown.RequestShutdown()
				}
				return "ternd stopping", nil
			},
		},
		{
			Name:          "uptime",
			Category:      "Control",
			AllowInWarmup: true,
			Help:          "Returns the total uptime of the server.\n\nResult:\nn    (numeric) The number of seconds that the server has been running",
			Handler: func(context.Context, []json.RawMessage) (any, error) {
				return int64(time.Since(s.startTime) / time.Second), nil
			},
		},
		{
			Name:     "getrpcinfo",
			Category: "Control",
			Help: "Returns details of the RPC server.\n\nResult:\n{\n" +
				"  \"active_commands\" : [    (json array) All active commands\n" +
				"    {\n      \"method\" : \"str\",    (string) The name of the RPC command\n" +
				"      \"duration\" : n       (numeric) The running time in microseconds\n    },\n    ...\n  ],\n" +
				"  \"logpath\" : \"str\"    (string) The complete file path to the debug log\n}",
			Handler: func(context.Context, []json.RawMessage) (any, error) {
				return s.rpcInfo(), nil
			},
		},
		{
			Name:     "logging",
			Category: "Control",
			Params: []rpcjson.ParamSpec{{Name: "include", Optional: true, Type: "json array"},
				{Name: "exclude", Optional: true, Type: "json array"}},
			Help: "Gets and sets the logging configuration.\n" +
				"Without arguments, returns the subsystems with debug logging on.\n" +
				"With arguments, turns debug logging on for the included subsystems and off\n" +
				"(back to info) for the excluded ones. \"all\" or \"1\" means every subsystem,\n" +
				"\"none\" or \"0\" none.\n\nThe subsystems are: " +
				strings.ToLower(strings.Join(s.subsystems(), ", ")) + "\n\n" +
				"Arguments:\n1. include    (json array of strings, optional) subsystems to log at debug\n" +
				"2. exclude    (json array of strings, optional) subsystems to log at info\n\n" +
				"Result:\n{    (json object) subsystem -> whether debug logging is on\n  \"xxxx\" : true|false\n}",
			Handler: s.handleLogging,
		},
	}
}

// helpText builds the output of `help` (cmd empty: every method by
// category, Core's layout) or `help cmd`.
func (s *Server) helpText(cmd string) string {
	if cmd != "" {
		m, ok := s.method(cmd)
		if !ok {
			return "help: unknown command: " + cmd
		}
		return m.FullHelp()
	}
	var b strings.Builder
	category := ""
	for _, m := range s.sortedMethods() {
		if m.Category != category {
			if category != "" {
				b.WriteString("\n")
			}
			category = m.Category
			fmt.Fprintf(&b, "== %s ==\n", category)
		}
		b.WriteString(m.Synopsis())
		b.WriteString("\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

// rpcCommandInfo is one entry of getrpcinfo's active_commands.
type rpcCommandInfo struct {
	Method   string `json:"method"`
	Duration int64  `json:"duration"`
}

// rpcInfoResult is getrpcinfo's result.
type rpcInfoResult struct {
	ActiveCommands []rpcCommandInfo `json:"active_commands"`
	LogPath        string           `json:"logpath"`
}

// rpcInfo reports the running commands (durations in microseconds, as
// Core) and the log file.
func (s *Server) rpcInfo() rpcInfoResult {
	s.activeMu.Lock()
	defer s.activeMu.Unlock()
	res := rpcInfoResult{ActiveCommands: make([]rpcCommandInfo, 0, len(s.active)), LogPath: s.cfg.LogPath}
	ids := make([]uint64, 0, len(s.active))
	for id := range s.active {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for _, id := range ids {
		c := s.active[id]
		res.ActiveCommands = append(res.ActiveCommands, rpcCommandInfo{
			Method: c.method, Duration: time.Since(c.start).Microseconds()})
	}
	return res
}

// subsystems returns the sorted tags of the daemon's subsystem loggers.
func (s *Server) subsystems() []string {
	tags := make([]string, 0, len(s.cfg.Loggers))
	for tag := range s.cfg.Loggers {
		tags = append(tags, tag)
	}
	sort.Strings(tags)
	return tags
}

// handleLogging implements `logging ( include exclude )`.
func (s *Server) handleLogging(_ context.Context, params []json.RawMessage) (any, error) {
	var include, exclude []string
	if _, err := rpcjson.UnmarshalParam(params, 0, "include", &include); err != nil {
		return nil, err
	}
	if _, err := rpcjson.UnmarshalParam(params, 1, "exclude", &exclude); err != nil {
		return nil, err
	}
	expand := func(names []string) ([]string, error) {
		var out []string
		for _, n := range names {
			switch strings.ToLower(n) {
			case "all", "1":
				out = append(out, s.subsystems()...)
			case "none", "0":
			default:
				tag := strings.ToUpper(n)
				if _, ok := s.cfg.Loggers[tag]; !ok {
					return nil, rpcjson.NewRPCErrorf(rpcjson.ErrRPCInvalidParameter,
						"unknown logging category %s", n)
				}
				out = append(out, tag)
			}
		}
		return out, nil
	}
	inc, err := expand(include)
	if err != nil {
		return nil, err
	}
	exc, err := expand(exclude)
	if err != nil {
		return nil, err
	}
	for _, t := range inc {
		s.cfg.Loggers[t].SetLevel(btclog.LevelDebug)
	}
	for _, t := range exc {
		s.cfg.Loggers[t].SetLevel(btclog.LevelInfo)
	}
	res := make(map[string]bool, len(s.cfg.Loggers))
	for tag, l := range s.cfg.Loggers {
		res[strings.ToLower(tag)] = l.Level() <= btclog.LevelDebug
	}
	return res, nil
}
