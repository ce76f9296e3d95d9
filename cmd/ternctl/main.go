package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/tern-org/ternd/chaincfg"
	"github.com/tern-org/ternd/internal/coreconf"
	"github.com/tern-org/ternd/internal/rpcjson"
)

const (
	// appVersion is ternctl's version, the same as ternd's.
	appVersion = "0.1.0"

	defaultRPCHost       = "127.0.0.1"
	defaultClientTimeout = 900
	confFileName         = "ternd.conf"
	maxReplySize         = 256 << 20
)

// options are ternctl's settings after the command line and conf file.
type options struct {
	regtest, testnet, testnet4, signet bool
	rpcConnect, rpcPort                string
	rpcUser, rpcPass                   string
	cookieFile                         string
	appData, dataDir, conf             string
	named, rpcWait, version            bool
	rpcWaitTimeout, clientTimeout      int
}

// usageError is a command-line problem; ternctl prints it with the usage.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// rpcFailure is an RPC error object returned by the server.
type rpcFailure struct{ err *rpcjson.RPCError }

func (e rpcFailure) Error() string {
	return fmt.Sprintf("error code: %d\nerror message:\n%s", e.err.Code, e.err.Message)
}

// errConnect is a failure to reach the server (retried with -rpcwait).
type errConnect struct{ err error }

func (e errConnect) Error() string { return e.err.Error() }

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is ternctl's body; it returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	opts, rest, err := parseArgs(args, stderr)
	if err != nil {
		if errors.Is(err, errVersion) {
			fmt.Fprintf(stdout, "ternctl version %s (Go %s %s/%s)\n", appVersion, runtime.Version(),
				runtime.GOOS, runtime.GOARCH)
			return 0
		}
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(stderr, "error: %v\n", err)
		return 1
	}
	if len(rest) == 0 {
		fmt.Fprintln(stderr, "error: too few parameters (need at least a METHOD); try ternctl help")
		return 1
	}
	params, err := buildParams(rest[1:], opts.named)
	if err != nil {
		fmt.Fprintf(stderr, "error: %v\n", err)
		return 1
	}
	result, err := callWithWait(opts, rest[0], params)
	if err != nil {
		var rf rpcFailure
		if errors.As(err, &rf) {
			fmt.Fprintln(stderr, rf.Error())
		} else {
			fmt.Fprintf(stderr, "error: %v\n", err)
		}
		return 1
	}
	printResult(stdout, result)
	return 0
}

// parseArgs reads the command line, then the conf file for what the
// command line left unset, and derives the defaults.
func parseArgs(args []string, stderr io.Writer) (*options, []string, error) {
	o := &options{}
	fs := flag.NewFlagSet("ternctl", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: ternctl [options] METHOD [PARAMS...]\n"+
			"       ternctl [options] -named METHOD [NAME=VALUE...]\n"+
			"       ternctl [options] help [METHOD]\n\nOptions:")
		fs.PrintDefaults()
	}
	fs.BoolVar(&o.regtest, "regtest", false, "use the regression test network")
	fs.BoolVar(&o.testnet, "testnet", false, "use testnet3")
	fs.BoolVar(&o.testnet4, "testnet4", false, "use testnet4")
	fs.BoolVar(&o.signet, "signet", false, "use signet")
	fs.StringVar(&o.rpcConnect, "rpcconnect", "", "server host (default 127.0.0.1)")
	fs.StringVar(&o.rpcPort, "rpcport", "", "server port (default: the network's RPC port)")
	fs.StringVar(&o.rpcUser, "rpcuser", "", "RPC user name")
	fs.StringVar(&o.rpcPass, "rpcpassword", "", "RPC password")
	fs.StringVar(&o.rpcPass, "rpcpass", "", "RPC password (same as -rpcpassword)")
	fs.StringVar(&o.cookieFile, "rpccookiefile", "", "cookie file (default DATADIR/NETWORK/.cookie)")
	fs.StringVar(&o.appData, "appdata", "", "ternd's app data directory (default ~/.ternd)")
	fs.StringVar(&o.dataDir, "datadir", "", "ternd's data directory (default APPDATA)")
	fs.StringVar(&o.conf, "conf", "", "ternd's conf file (default APPDATA/ternd.conf)")
	fs.StringVar(&o.conf, "configfile", "", "same as -conf")
	fs.BoolVar(&o.named, "named", false, "pass NAME=VALUE parameters by name")
	fs.BoolVar(&o.version, "version", false, "print ternctl's version and exit")
	fs.BoolVar(&o.version, "V", false, "same as -version")
	fs.BoolVar(&o.rpcWait, "rpcwait", false, "wait for the RPC server to start")
	fs.IntVar(&o.rpcWaitTimeout, "rpcwaittimeout", 0, "seconds to wait with -rpcwait (0 = forever)")
	fs.IntVar(&o.clientTimeout, "rpcclienttimeout", defaultClientTimeout, "HTTP timeout in seconds (0 = none)")
	if err := fs.Parse(args); err != nil {
		return nil, nil, err
	}
	if o.version {
		return nil, nil, errVersion
	}
	set := make(map[string]bool)
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })

	if o.appData == "" {
		o.appData = defaultAppDataDir()
	}
	o.appData = expandPath(o.appData)
	confPath := filepath.Join(o.appData, confFileName)
	explicitConf := o.conf != ""
	if explicitConf {
		confPath = expandPath(o.conf)
	}
	file, err := readConf(confPath)
	if err != nil && (explicitConf || !os.IsNotExist(err)) {
		return nil, nil, fmt.Errorf("cannot read conf file %s: %v", confPath, err)
	}
	// The network: the command line's, else the conf file's top level;
	// then the options of that network's section apply, as in Core.
	anyNet := o.regtest || o.testnet || o.testnet4 || o.signet
	if !anyNet && file != nil {
		switch file.Network() {
		case coreconf.SectionRegtest:
			o.regtest = true
		case coreconf.SectionTest:
			o.testnet = true
		case coreconf.SectionTestnet4:
			o.testnet4 = true
		case coreconf.SectionSignet:
			o.signet = true
		}
	}
	conf := confValues(file, o.section())
	// The conf file fills what the command line did not set.
	fill := func(name string, dst *string, keys ...string) {
		if set[name] || *dst != "" {
			return
		}
		for _, k := range keys {
			if v, ok := conf[k]; ok {
				*dst = v
				return
			}
		}
	}
	fill("rpcuser", &o.rpcUser, "rpcuser")
	if !set["rpcpassword"] && !set["rpcpass"] {
		fill("rpcpassword", &o.rpcPass, "rpcpass", "rpcpassword")
	}
	fill("datadir", &o.dataDir, "datadir")
	fill("rpcconnect", &o.rpcConnect, "rpcconnect")
	fill("rpcport", &o.rpcPort, "rpcport")
	// ternd's own conf names its RPC address with rpclisten (or Core's
	// rpcbind): without rpcport/rpcconnect, ternctl goes there.
	if o.rpcPort == "" && o.rpcConnect == "" {
		for _, k := range []string{"rpclisten", "rpcbind"} {
			if host, port, err := net.SplitHostPort(conf[k]); err == nil {
				o.rpcPort = port
				if ip := net.ParseIP(host); host != "" && (ip == nil || !ip.IsUnspecified()) {
					o.rpcConnect = host
				}
				break
			}
		}
	}
	return o, fs.Args(), nil
}

// errVersion ends ternctl with status 0 after -version.
var errVersion = errors.New("version printed")

// section returns Core's conf-file section of the selected network.
func (o *options) section() string {
	switch {
	case o.regtest:
		return coreconf.SectionRegtest
	case o.testnet:
		return coreconf.SectionTest
	case o.testnet4:
		return coreconf.SectionTestnet4
	case o.signet:
		return coreconf.SectionSignet
	}
	return coreconf.SectionMain
}

// params returns the selected network.
func (o *options) params() (*chaincfg.Params, error) {
	p := &chaincfg.MainNetParams
	n := 0
	for _, c := range []struct {
		on bool
		p  *chaincfg.Params
	}{{o.regtest, &chaincfg.RegressionNetParams}, {o.testnet, &chaincfg.TestNet3Params},
		{o.testnet4, &chaincfg.TestNet4Params}, {o.signet, &chaincfg.SigNetParams}} {
		if c.on {
			n++
			p = c.p
		}
	}
	if n > 1 {
		return nil, usageError{"-regtest, -testnet, -testnet4 and -signet are mutually exclusive; choose one"}
	}
	return p, nil
}

// readConf reads a ternd.conf laid out as Core's bitcoin.conf (see
// internal/coreconf).
func readConf(path string) (*coreconf.File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return coreconf.Parse(f)
}

// confValues returns the options of file that apply to the network of
// section (the top level's and the section's), the last value of a key
// winning, so a section's rpcport overrides the top level's. A nil file
// has none.
func confValues(file *coreconf.File, section string) map[string]string {
	conf := make(map[string]string)
	if file == nil {
		return conf
	}
	for _, l := range file.Select(section) {
		conf[l.Key] = l.Value
	}
	return conf
}

// defaultAppDataDir mirrors ternd's default (~/.ternd on Unix).
func defaultAppDataDir() string {
	home, err := os.UserHomeDir()
	if err != nil {
		home = "."
	}
	switch runtime.GOOS {
	case "windows":
		if dir := os.Getenv("LOCALAPPDATA"); dir != "" {
			return filepath.Join(dir, "Ternd")
		}
		return filepath.Join(home, "Ternd")
	case "darwin":
		return filepath.Join(home, "Library", "Application Support", "Ternd")
	default:
		return filepath.Join(home, ".ternd")
	}
}

// expandPath expands ~ and environment variables.
func expandPath(p string) string {
	if strings.HasPrefix(p, "~") {
		if home, err := os.UserHomeDir(); err == nil {
			p = home + p[1:]
		}
	}
	return filepath.Clean(os.ExpandEnv(p))
}

// parseValue sends an argument as JSON when it is valid JSON, else as a
// JSON string.
func parseValue(s string) json.RawMessage {
	if t := strings.TrimSpace(s); t != "" && json.Valid([]byte(t)) {
		return json.RawMessage(t)
	}
	b, _ := json.Marshal(s)
	return b
}

// buildParams turns the arguments after the method into the "params"
// member: an array, or with -named an object (non KEY=VALUE arguments go to
// "args" as Core's bitcoin-cli does).
func buildParams(args []string, named bool) (any, error) {
	if !named {
		params := make([]json.RawMessage, 0, len(args))
		for _, a := range args {
			params = append(params, parseValue(a))
		}
		return params, nil
	}
	obj := make(map[string]json.RawMessage)
	var positional []json.RawMessage
	for _, a := range args {
		k, v, ok := strings.Cut(a, "=")
		if !ok || k == "" {
			positional = append(positional, parseValue(a))
			continue
		}
		if _, dup := obj[k]; dup {
			return nil, fmt.Errorf("parameter %s specified twice", k)
		}
		obj[k] = parseValue(v)
	}
	if len(positional) > 0 {
		if _, dup := obj["args"]; dup {
			return nil, errors.New("parameter args specified twice")
		}
		b, _ := json.Marshal(positional)
		obj["args"] = b
	}
	return obj, nil
}

// callWithWait calls the method, retrying connection failures, a missing
// cookie and warm-up (-28) while -rpcwait is set.
func callWithWait(o *options, method string, params any) (json.RawMessage, error) {
	var deadline time.Time
	if o.rpcWait && o.rpcWaitTimeout > 0 {
		deadline = time.Now().Add(time.Duration(o.rpcWaitTimeout) * time.Second)
	}
	for {
		result, err := call(o, method, params)
		retry := false
		var ce errConnect
		var rf rpcFailure
		switch {
		case errors.As(err, &ce):
			retry = true
		case errors.As(err, &rf) && rf.err.Code == rpcjson.ErrRPCInWarmup:
			retry = true
		case errors.Is(err, rpcjson.ErrBadCookie):
			retry = true
		}
		if !o.rpcWait || !retry {
			return result, err
		}
		if !deadline.IsZero() && time.Now().After(deadline) {
			return nil, fmt.Errorf("timeout waiting for the server (-rpcwaittimeout=%d): %w",
				o.rpcWaitTimeout, err)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// call makes one JSON-RPC request.
func call(o *options, method string, params any) (json.RawMessage, error) {
	netParams, err := o.params()
	if err != nil {
		return nil, err
	}
	host := o.rpcConnect
	if host == "" {
		host = defaultRPCHost
	}
	port := o.rpcPort
	if h, p, err := net.SplitHostPort(host); err == nil {
		host = h
		if port == "" {
			port = p
		}
	}
	if port == "" {
		port = netParams.RPCPort
	}
	addr := net.JoinHostPort(host, port)

	user, pass := o.rpcUser, o.rpcPass
	if pass == "" {
		cookie := o.cookieFile
		if cookie == "" {
			dataDir := o.dataDir
			if dataDir == "" {
				dataDir = o.appData
			}
			cookie = filepath.Join(expandPath(dataDir), netParams.Name, rpcjson.CookieFileName)
		}
		user, pass, err = rpcjson.ReadCookie(expandPath(cookie))
		if err != nil {
			return nil, fmt.Errorf("could not locate RPC credentials: no -rpcpassword and %w; "+
				"is ternd running on %s?", err, netParams.Name)
		}
	}

	req, err := rpcjson.NewRequest(rpcjson.VersionLegacy, 1, method, params)
	if err != nil {
		return nil, err
	}
	body, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	if o.clientTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, time.Duration(o.clientTimeout)*time.Second)
		defer cancel()
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+addr+"/", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	hreq.Header.Set("Content-Type", "application/json")
	hreq.SetBasicAuth(user, pass)
	resp, err := http.DefaultClient.Do(hreq)
	if err != nil {
		var opErr *net.OpError
		if errors.As(err, &opErr) && opErr.Op == "dial" {
			return nil, errConnect{fmt.Errorf("Could not connect to the server %s\n\n"+
				"Make sure the ternd server is running and that you are connecting to the "+
				"correct RPC port.", addr)}
		}
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxReplySize))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode == http.StatusUnauthorized {
		return nil, errors.New("Authorization failed: Incorrect rpcuser or rpcpassword")
	}
	reply, perr := rpcjson.ParseResponse(data)
	if perr != nil || (reply.Error == nil && reply.Result == nil && resp.StatusCode != http.StatusOK) {
		return nil, fmt.Errorf("server returned HTTP error %d: %s", resp.StatusCode,
			strings.TrimSpace(string(data)))
	}
	if reply.Error != nil {
		return nil, rpcFailure{reply.Error}
	}
	return reply.Result, nil
}

// printResult prints a result as bitcoin-cli does: strings raw, null as
// nothing, other values as JSON indented by two spaces.
func printResult(w io.Writer, result json.RawMessage) {
	t := bytes.TrimSpace(result)
	if len(t) == 0 || string(t) == "null" {
		return
	}
	if t[0] == '"' {
		var s string
		if json.Unmarshal(t, &s) == nil {
			fmt.Fprintln(w, s)
			return
		}
	}
	var buf bytes.Buffer
	if json.Indent(&buf, t, "", "  ") != nil {
		fmt.Fprintln(w, string(t))
		return
	}
	fmt.Fprintln(w, buf.String())
}
