package main

import (
	"errors"
	"fmt"
	"github.com/tern-org/ternd/internal/zmq"
	"io"
	"math"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"time"

	flags "github.com/jessevdk/go-flags"
	"github.com/tern-org/ternd/chaincfg"
)

const (
	// appName names the app data directory and the conf file.
	appName = "ternd"

	defaultConfigFilename = "ternd.conf"
	defaultLogDirname     = "logs"
	defaultDebugLevel     = "info"
	defaultMaxPeers       = 125
	defaultRPCMaxClients  = 10
	defaultBanDuration    = 24 * time.Hour

	// Mempool and mining defaults, as Bitcoin Core v30. Fee rates are in
	// BTC/kvB like Core's options.
	defaultMinRelayTxFee       = 0.000001   // 100 sat/kvB = 0.1 sat/vB
	defaultIncrementalRelayFee = 0.000001   // 100 sat/kvB
	defaultDustRelayFee        = 0.00003    // 3000 sat/kvB = 3 sat/vB
	defaultBlockMinTxFee       = 0.00000001 // 1 sat/kvB
	defaultMaxMempoolMB        = 300
	defaultMempoolExpiryHours  = 336
	defaultDataCarrierSize     = 100000
	defaultBlockMaxWeight      = 3996000

	// maxBlockWeight is the consensus limit --blockmaxweight is checked
	// against; minBlockMaxWeight leaves room for the coinbase.
	maxBlockWeight    = 4000000
	minBlockMaxWeight = 4000

	// minMaxMempoolMB is the smallest --maxmempool Core accepts.
	minMaxMempoolMB = 5

	// defaultDBCacheMB is --dbcache, the UTXO cache budget in MiB (the
	// chain's DefaultUtxoCacheBytes); minDBCacheMB is Core's nMinDbCache.
	defaultDBCacheMB = 256
	minDBCacheMB     = 4

	// satPerBTC converts BTC amounts to satoshis.
	satPerBTC = 1e8
)

// config holds every option of ternd. Each field with a `long` tag is a
// command-line flag (--long) and, with the same name, a line of the conf
// file ("long=value"). sample-ternd.conf documents every one of them; a
// test checks that.
//
// The lower-case fields are derived by loadConfig and are what the rest of
// the daemon uses (network, directories, normalised addresses, fees in
// satoshis).
type config struct {
	ShowVersion bool   `short:"V" long:"version" description:"Display version information and exit" no-ini:"true"`
	ConfigFile  string `short:"C" long:"configfile" description:"Path to the configuration file (default: APPDATA/ternd.conf)" no-ini:"true"`
	AppDataDir  string `short:"A" long:"appdata" description:"Application data directory; the defaults of --datadir, --logdir and --configfile are under it" no-ini:"true"`
	DataDir     string `short:"b" long:"datadir" description:"Directory to store data; a per-network subfolder is used (default: APPDATA)"`
	LogDir      string `long:"logdir" description:"Directory to log output; a per-network subfolder is used (default: APPDATA/logs)"`
	DebugLevel  string `short:"d" long:"debuglevel" description:"Logging level for all subsystems {trace, debug, info, warn, error, critical, off} or SUBSYS=level,...; 'show' lists the subsystems"`

	TestNet3       bool `long:"testnet" description:"Use the test network (testnet3)"`
	TestNet4       bool `long:"testnet4" description:"Use the test network testnet4"`
	SigNet         bool `long:"signet" description:"Use the default signet"`
	RegressionTest bool `long:"regtest" description:"Use the regression test network"`

	Listeners     []string      `long:"listen" description:"Listen for peers on this interface/port (repeatable; default all interfaces, network port)"`
	DisableListen bool          `long:"nolisten" description:"Do not accept inbound peer connections"`
	ConnectPeers  []string      `long:"connect" description:"Connect only to this peer (repeatable)"`
	AddPeers      []string      `short:"a" long:"addpeer" description:"Add a peer to connect to at start-up (repeatable)"`
	MaxPeers      int           `long:"maxpeers" description:"Maximum number of inbound and outbound peers"`
	Proxy         string        `long:"proxy" description:"Connect through a SOCKS5 proxy (host:port)"`
	OnionProxy    string        `long:"onion" description:"Connect to Tor hidden services through this SOCKS5 proxy (host:port)"`
	ExternalIPs   []string      `long:"externalip" description:"Advertise this address to peers (repeatable)"`
	BanDuration   time.Duration `long:"banduration" description:"How long to ban misbehaving peers (e.g. 24h, 30m)"`
	Whitelists    []string      `long:"whitelist" description:"Do not ban or disconnect peers from this IP or CIDR network (repeatable)"`
	V2Transport   bool          `long:"v2transport" description:"Speak the BIP324 encrypted transport with peers that support it (the default; --nov2transport turns it off)"`
	NoV2Transport bool          `long:"nov2transport" description:"Speak only the unencrypted v1 transport"`
	NoCmpctBlocks bool          `long:"nocompactblocks" description:"Do not relay blocks as BIP152 compact blocks: ask for, announce and serve them whole"`

	RPCListeners  []string `long:"rpclisten" description:"Listen for JSON-RPC on this interface/port (repeatable; default 127.0.0.1 and ::1 on the network's RPC port)"`
	RPCUser       string   `short:"u" long:"rpcuser" description:"Username for RPC connections (with --rpcpass; else cookie authentication)"`
	RPCPass       string   `short:"P" long:"rpcpass" default-mask:"-" description:"Password for RPC connections"`
	DisableRPC    bool     `long:"norpc" description:"Disable the JSON-RPC server"`
	DeprecatedRPC []string `long:"deprecatedrpc" description:"Answer as before a deprecation (repeatable): 'warnings' makes the info methods' warnings one string, as Core before v28 (for btcd rpcclient v0.24.2 and older clients)"`
	RPCMaxClients int      `long:"rpcmaxclients" description:"Maximum number of RPC requests served at the same time"`

	MinRelayTxFee       float64  `long:"minrelaytxfee" description:"Lowest fee rate (BTC/kvB) for relay and mempool acceptance"`
	IncrementalRelayFee float64  `long:"incrementalrelayfee" description:"Fee rate (BTC/kvB) a replacement or a mempool-limit eviction must add"`
	DustRelayFee        float64  `long:"dustrelayfee" description:"Fee rate (BTC/kvB) that defines dust outputs"`
	MaxMempool          int      `long:"maxmempool" description:"Keep the transaction memory pool below this many megabytes"`
	MempoolExpiry       int      `long:"mempoolexpiry" description:"Do not keep transactions in the mempool longer than this many hours"`
	DataCarrierSize     int      `long:"datacarriersize" description:"Largest total size of data-carrying (OP_RETURN) outputs relayed and mined, in bytes"`
	BlockMaxWeight      int      `long:"blockmaxweight" description:"Largest block weight to create when mining"`
	BlockMinTxFee       float64  `long:"blockmintxfee" description:"Lowest fee rate (BTC/kvB) of transactions included in mined blocks"`
	TxIndex             bool     `long:"txindex" description:"Maintain a full transaction index (getrawtransaction for any transaction)"`
	BlockFilterIndex    bool     `long:"blockfilterindex" description:"Maintain the BIP158 basic block filter index (getblockfilter; needed by --peerblockfilters)"`
	PeerBlockFilters    bool     `long:"peerblockfilters" description:"Serve BIP157 compact block filters to peers and advertise NODE_COMPACT_FILTERS (needs --blockfilterindex)"`
	DBCache             int      `long:"dbcache" description:"UTXO cache size in MiB; a bigger cache makes initial sync faster"`
	MiningAddrs         []string `long:"miningaddr" description:"Pay mined block rewards to this address (repeatable; one is picked at random)"`

	ZMQPubHashBlock    string `long:"zmqpubhashblock" description:"Publish the hash of each new tip on this ZMQ address (tcp://host:port or ipc://path)"`
	ZMQPubHashTx       string `long:"zmqpubhashtx" description:"Publish the txid of each transaction entering the mempool or a connected or disconnected block on this ZMQ address"`
	ZMQPubRawBlock     string `long:"zmqpubrawblock" description:"Publish each new tip block, serialized, on this ZMQ address"`
	ZMQPubRawTx        string `long:"zmqpubrawtx" description:"Publish each transaction entering the mempool or a connected or disconnected block, serialized, on this ZMQ address"`
	ZMQPubSequence     string `long:"zmqpubsequence" description:"Publish block connections/disconnections and mempool additions/removals with mempool sequence numbers on this ZMQ address"`
	ZMQPubHashBlockHWM int    `long:"zmqpubhashblockhwm" description:"High-water mark (messages queued before dropping) of the hashblock socket"`
	ZMQPubHashTxHWM    int    `long:"zmqpubhashtxhwm" description:"High-water mark of the hashtx socket"`
	ZMQPubRawBlockHWM  int    `long:"zmqpubrawblockhwm" description:"High-water mark of the rawblock socket"`
	ZMQPubRawTxHWM     int    `long:"zmqpubrawtxhwm" description:"High-water mark of the rawtx socket"`
	ZMQPubSequenceHWM  int    `long:"zmqpubsequencehwm" description:"High-water mark of the sequence socket"`
	MetricsListen      string `long:"metricslisten" description:"Serve Prometheus metrics at /metrics and a status page at / on this port, or host:port (a bare port listens on 127.0.0.1 only; off by default)"`

	Profile    string `long:"profile" description:"Serve Go's pprof profiles over HTTP at /debug/pprof/ on this port, or host:port (a bare port listens on 127.0.0.1 only)"`
	CPUProfile string `long:"cpuprofile" description:"Write a CPU profile of the whole run to this file (read it with go tool pprof)"`

	// Derived values, filled by loadConfig.
	params     *chaincfg.Params
	netDataDir string
	netLogDir  string

	// minRelayTxFeeSat and the other *Sat fields are the fee rates in
	// satoshis per kvB.
	minRelayTxFeeSat       int64
	incrementalRelayFeeSat int64
	dustRelayFeeSat        int64
	blockMinTxFeeSat       int64

	// rpcDefaultListeners is set when --rpclisten was not given; the
	// loopback defaults are then allowed to fail to bind one by one (a
	// host without IPv6).
	rpcDefaultListeners bool

	// whitelistNets are the parsed --whitelist entries.
	whitelistNets []*net.IPNet

	// zmqEndpoints are the --zmqpub* options that are set.
	zmqEndpoints []zmq.Endpoint

	// compat holds what bitcoind's option names set that has no field of
	// its own (configcompat.go): the -port and -rpcport ports.
	compat compatOptions
}

// errExitZero is returned by loadConfig when it handled the command line
// itself (--help, --version, --debuglevel=show) and ternd should exit 0.
var errExitZero = errors.New("exit 0")

// defaultConfig returns a config holding every default. Directory defaults
// are empty here and derived from --appdata after parsing.
func defaultConfig() config {
	return config{
		DebugLevel:          defaultDebugLevel,
		MaxPeers:            defaultMaxPeers,
		BanDuration:         defaultBanDuration,
		RPCMaxClients:       defaultRPCMaxClients,
		MinRelayTxFee:       defaultMinRelayTxFee,
		IncrementalRelayFee: defaultIncrementalRelayFee,
		DustRelayFee:        defaultDustRelayFee,
		MaxMempool:          defaultMaxMempoolMB,
		DBCache:             defaultDBCacheMB,
		MempoolExpiry:       defaultMempoolExpiryHours,
		DataCarrierSize:     defaultDataCarrierSize,
		BlockMaxWeight:      defaultBlockMaxWeight,
		BlockMinTxFee:       defaultBlockMinTxFee,

		ZMQPubHashBlockHWM: zmq.DefaultHWM,
		ZMQPubHashTxHWM:    zmq.DefaultHWM,
		ZMQPubRawBlockHWM:  zmq.DefaultHWM,
		ZMQPubRawTxHWM:     zmq.DefaultHWM,
		ZMQPubSequenceHWM:  zmq.DefaultHWM,
	}
}

// defaultAppDataDir returns the per-user application data directory:
// ~/.ternd on Unix, ~/Library/Application Support/Ternd on macOS and
// %LOCALAPPDATA%\Ternd on Windows.
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
		return filepath.Join(home, "."+appName)
	}
}

// cleanAndExpandPath expands a leading ~ and environment variables and
// cleans the result.
func cleanAndExpandPath(path string) string {
	if path == "" {
		return ""
	}
	if strings.HasPrefix(path, "~") {
		if home, err := os.UserHomeDir(); err == nil {
			path = home + path[1:]
		}
	}
	return filepath.Clean(os.ExpandEnv(path))
}

// newConfigParser returns a go-flags parser for cfg.
func newConfigParser(cfg *config, options flags.Options) *flags.Parser {
	p := flags.NewParser(cfg, options)
	p.Name = appName
	return p
}

// usageHint is appended to command-line errors.
const usageHint = "; run ternd --help for the options"

// flagError rewrites a go-flags command-line error so it names the option
// and the fix.
func flagError(err error, args []string) error {
	var ferr *flags.Error
	if errors.As(err, &ferr) {
		switch ferr.Type {
		case flags.ErrMarshal, flags.ErrNoArgumentForBool:
			if verr, ok := flagValueError(ferr, args); ok {
				return verr
			}
			return fmt.Errorf("%s: fix the value's format%s", ferr.Message, usageHint)
		case flags.ErrUnknownFlag:
			return fmt.Errorf("%s: not a ternd option%s", ferr.Message, usageHint)
		case flags.ErrExpectedArgument:
			return fmt.Errorf("%s: give the option a value (--option=value)%s", ferr.Message, usageHint)
		}
		return fmt.Errorf("%s%s", ferr.Message, usageHint)
	}
	return err
}

// iniError rewrites a go-flags conf-file error so it names the file, the
// line and the fix.
func iniError(path string, err error) error {
	var ierr *flags.IniError
	if errors.As(err, &ierr) {
		if !strings.HasPrefix(ierr.Message, "unknown option") {
			if verr, ok := iniValueError(ierr); ok {
				return verr
			}
		}
		fix := "fix the line"
		if strings.HasPrefix(ierr.Message, "unknown option") {
			fix = "remove the line; sample-ternd.conf lists every option"
		}
		return fmt.Errorf("config file %s line %d: %s; %s", path, ierr.LineNumber, ierr.Message, fix)
	}
	return fmt.Errorf("config file %s: %v; fix the file or choose another with --configfile", path, err)
}

// loadConfig builds the configuration in three passes: defaults, the conf
// file, then the command line again so flags win. It validates and
// normalises everything (one network, addresses with ports, directories
// with the network subfolder, fees in satoshis) and returns an error
// naming the option and the fix. It opens nothing but the conf file and
// creates no directory. Output for --help, --version and
// --debuglevel=show goes to out, after which it returns errExitZero.
func loadConfig(args []string, out io.Writer) (*config, error) {
	cfg, err := parseConfig(args, out)
	return cfg, escapeError(err)
}

// parseConfig is loadConfig before its error message is made printable.
func parseConfig(args []string, out io.Writer) (*config, error) {
	// Pass 0: bitcoind's habits (single-dash long options, Core's option
	// names, -daemon) turned into ternd's command line.
	args, compat, err := preprocessArgs(args)
	if err != nil {
		return nil, err
	}

	// Pass 1: the command line alone, to find --appdata, --configfile,
	// --help and --version, and to report command-line errors early.
	preCfg := defaultConfig()
	preParser := newConfigParser(&preCfg, flags.HelpFlag|flags.PassDoubleDash)
	rest, err := preParser.ParseArgs(args)
	if err != nil {
		var ferr *flags.Error
		if errors.As(err, &ferr) && ferr.Type == flags.ErrHelp {
			fmt.Fprintln(out, ferr.Message)
			return nil, errExitZero
		}
		return nil, flagError(err, args)
	}
	if len(rest) != 0 {
		return nil, fmt.Errorf("unexpected argument %q: ternd takes only options%s", rest[0], usageHint)
	}
	if preCfg.ShowVersion {
		fmt.Fprintf(out, "%s version %s (Go %s %s/%s)\n", appName, version(), runtime.Version(),
			runtime.GOOS, runtime.GOARCH)
		return nil, errExitZero
	}

	appData := defaultAppDataDir()
	if preCfg.AppDataDir != "" {
		appData = cleanAndExpandPath(preCfg.AppDataDir)
	}

	// Pass 2: the conf file. An explicit --configfile must exist; the
	// default one is optional.
	cfg := defaultConfig()
	parser := newConfigParser(&cfg, flags.Default&^flags.PrintErrors)
	configFile := filepath.Join(appData, defaultConfigFilename)
	explicitConf := preCfg.ConfigFile != ""
	if explicitConf {
		configFile = cleanAndExpandPath(preCfg.ConfigFile)
	}
	if _, statErr := os.Stat(configFile); statErr == nil || explicitConf {
		// The file is read as Core reads bitcoin.conf (network sections,
		// Core's option names), then handed to go-flags line for line.
		text, err := readConfFile(configFile, coreSection(&preCfg), &compat)
		if err != nil {
			var perr *os.PathError
			if errors.As(err, &perr) {
				return nil, fmt.Errorf("--configfile: cannot read %s: %v; give a readable file",
					configFile, perr.Err)
			}
			return nil, err
		}
		if err := flags.NewIniParser(parser).Parse(strings.NewReader(text)); err != nil {
			// The text keeps the file's line numbers, so an error can
			// point at the file's line.
			var ierr *flags.IniError
			if errors.As(err, &ierr) && ierr.File == "" {
				ierr.File = configFile
			}
			return nil, iniError(configFile, err)
		}
	}

	// Pass 3: the command line again so flags override the file.
	if _, err := parser.ParseArgs(args); err != nil {
		return nil, flagError(err, args)
	}
	cfg.ConfigFile = configFile
	cfg.AppDataDir = appData
	cfg.compat = compat
	if err := checkRanges(&cfg, args); err != nil {
		return nil, err
	}

	if err := cfg.validate(out); err != nil {
		return nil, err
	}
	return &cfg, nil
}

// validate checks and normalises the parsed options. It is separate from
// loadConfig so tests can drive it directly.
func (cfg *config) validate(out io.Writer) error {
	// Logging first, since --debuglevel=show ends here.
	if cfg.DebugLevel == "show" {
		fmt.Fprintf(out, "Supported subsystems %v\n", supportedSubsystems())
		return errExitZero
	}
	if _, err := parseDebugLevel(cfg.DebugLevel); err != nil {
		return err
	}

	// Exactly one network.
	nets := 0
	cfg.params = &chaincfg.MainNetParams
	for _, n := range []struct {
		set    bool
		params *chaincfg.Params
	}{
		{cfg.TestNet3, &chaincfg.TestNet3Params},
		{cfg.TestNet4, &chaincfg.TestNet4Params},
		{cfg.SigNet, &chaincfg.SigNetParams},
		{cfg.RegressionTest, &chaincfg.RegressionNetParams},
	} {
		if n.set {
			nets++
			cfg.params = n.params
		}
	}
	if nets > 1 {
		return errors.New("--testnet, --testnet4, --signet and --regtest are mutually " +
			"exclusive: choose one of them (mainnet is the default)")
	}

	// Directories, each with the per-network subfolder.
	if cfg.DataDir == "" {
		cfg.DataDir = cfg.AppDataDir
	}
	if cfg.LogDir == "" {
		cfg.LogDir = filepath.Join(cfg.AppDataDir, defaultLogDirname)
	}
	cfg.DataDir = cleanAndExpandPath(cfg.DataDir)
	cfg.LogDir = cleanAndExpandPath(cfg.LogDir)
	cfg.netDataDir = filepath.Join(cfg.DataDir, cfg.params.Name)
	cfg.netLogDir = filepath.Join(cfg.LogDir, cfg.params.Name)

	// Peers.
	if cfg.DisableListen && len(cfg.Listeners) > 0 {
		return errors.New("--listen and --nolisten cannot both be set: drop one of them")
	}
	if cfg.V2Transport && cfg.NoV2Transport {
		return errors.New("--v2transport and --nov2transport cannot both be set: drop one of them " +
			"(v2 is on by default)")
	}
	if len(cfg.ConnectPeers) > 0 && len(cfg.AddPeers) > 0 {
		return errors.New("--connect and --addpeer cannot both be set: --connect connects " +
			"only to the given peers, --addpeer adds peers to the normal ones")
	}
	var err error
	if cfg.Listeners, err = normalizeAddresses("listen", cfg.Listeners, cfg.p2pPort(), true); err != nil {
		return err
	}
	if !cfg.DisableListen && len(cfg.Listeners) == 0 {
		cfg.Listeners = []string{net.JoinHostPort("", cfg.p2pPort())}
	}
	if cfg.ConnectPeers, err = normalizeAddresses("connect", cfg.ConnectPeers, cfg.params.DefaultPort, false); err != nil {
		return err
	}
	if cfg.AddPeers, err = normalizeAddresses("addpeer", cfg.AddPeers, cfg.params.DefaultPort, false); err != nil {
		return err
	}
	if cfg.ExternalIPs, err = normalizeAddresses("externalip", cfg.ExternalIPs, cfg.params.DefaultPort, false); err != nil {
		return err
	}
	for _, p := range []struct {
		name string
		val  *string
	}{{"proxy", &cfg.Proxy}, {"onion", &cfg.OnionProxy}} {
		if *p.val == "" {
			continue
		}
		addrs, err := normalizeAddresses(p.name, []string{*p.val}, "9050", false)
		if err != nil {
			return err
		}
		*p.val = addrs[0]
	}
	cfg.whitelistNets = nil
	for _, w := range cfg.Whitelists {
		ipnet, err := parseWhitelist(w)
		if err != nil {
			return err
		}
		cfg.whitelistNets = append(cfg.whitelistNets, ipnet)
	}

	// RPC.
	if (cfg.RPCUser == "") != (cfg.RPCPass == "") {
		return errors.New("--rpcuser and --rpcpass must be set together; set both, or " +
			"neither to use cookie authentication")
	}
	if strings.Contains(cfg.RPCUser, ":") {
		return errors.New("--rpcuser must not contain ':' (HTTP basic authentication splits on it)")
	}
	if cfg.RPCListeners, err = normalizeAddresses("rpclisten", cfg.RPCListeners, cfg.rpcPort(), true); err != nil {
		return err
	}
	cfg.rpcDefaultListeners = len(cfg.RPCListeners) == 0
	if cfg.rpcDefaultListeners {
		cfg.RPCListeners = []string{net.JoinHostPort("127.0.0.1", cfg.rpcPort()),
			net.JoinHostPort("::1", cfg.rpcPort())}
	}

	// Mempool and mining.
	fees := []struct {
		btc float64
		sat *int64
	}{
		{cfg.MinRelayTxFee, &cfg.minRelayTxFeeSat},
		{cfg.IncrementalRelayFee, &cfg.incrementalRelayFeeSat},
		{cfg.DustRelayFee, &cfg.dustRelayFeeSat},
		{cfg.BlockMinTxFee, &cfg.blockMinTxFeeSat},
	}
	for _, f := range fees {
		*f.sat = int64(math.Round(f.btc * satPerBTC))
	}
	if cfg.PeerBlockFilters && !cfg.BlockFilterIndex {
		return errors.New("--peerblockfilters needs --blockfilterindex: the filters served " +
			"to peers come from the index")
	}
	if cfg.Profile != "" {
		addr := cfg.Profile
		if !strings.Contains(addr, ":") {
			addr = net.JoinHostPort("127.0.0.1", addr)
		}
		addrs, err := normalizeAddresses("profile", []string{addr}, "", false)
		if err != nil {
			return fmt.Errorf("%w (e.g. --profile=6060)", err)
		}
		cfg.Profile = addrs[0]
	}
	if cfg.CPUProfile != "" {
		cfg.CPUProfile = cleanAndExpandPath(cfg.CPUProfile)
	}
	if err := cfg.checkZMQ(); err != nil {
		return err
	}
	for _, d := range cfg.DeprecatedRPC {
		if d != "warnings" {
			return fmt.Errorf("--deprecatedrpc=%s: unknown; the deprecated behaviour ternd can restore is 'warnings'", d)
		}
	}
	if cfg.MetricsListen != "" {
		addr := cfg.MetricsListen
		if !strings.Contains(addr, ":") {
			addr = net.JoinHostPort("127.0.0.1", addr)
		}
		addrs, err := normalizeAddresses("metricslisten", []string{addr}, "", true)
		if err != nil {
			return fmt.Errorf("%w (e.g. --metricslisten=9332)", err)
		}
		cfg.MetricsListen = addrs[0]
	}
	for _, a := range cfg.MiningAddrs {
		// The address itself is decoded by the mining code against the
		// network's parameters; here only obvious garbage is refused.
		if a == "" || strings.ContainsAny(a, " \t:/") {
			return fmt.Errorf("--miningaddr=%q: not an address; give a base58 or bech32 address "+
				"of the selected network", a)
		}
	}
	return nil
}

// normalizeAddresses checks each host:port (or bare host, given the
// default port) and returns them as host:port. For listeners, an empty
// host (":port", every interface) and port 0 (any free port) are allowed.
func normalizeAddresses(option string, addrs []string, defaultPort string, listener bool) ([]string, error) {
	out := make([]string, 0, len(addrs))
	for _, addr := range addrs {
		a := strings.TrimSpace(addr)
		host, port, err := net.SplitHostPort(a)
		if err != nil {
			// No port: a bare host or IP (IPv6 possibly in brackets).
			if strings.HasPrefix(a, "[") != strings.HasSuffix(a, "]") {
				return nil, fmt.Errorf("--%s=%q: malformed address; use host, host:port or "+
					"[ipv6]:port", option, addr)
			}
			host, port = strings.TrimSuffix(strings.TrimPrefix(a, "["), "]"), defaultPort
			if strings.ContainsAny(host, "[]") {
				return nil, fmt.Errorf("--%s=%q: malformed address; use host, host:port or "+
					"[ipv6]:port", option, addr)
			}
		}
		if host == "" && !listener {
			return nil, fmt.Errorf("--%s=%q: missing host; use host or host:port", option, addr)
		}
		if strings.ContainsAny(host, " /\t") || (strings.Contains(host, ":") && net.ParseIP(host) == nil) {
			return nil, fmt.Errorf("--%s=%q: malformed host %q; use a host name, IPv4 or [IPv6] "+
				"address", option, addr, host)
		}
		n, err := strconv.Atoi(port)
		if err != nil || n < 0 || n > 65535 || (n == 0 && !listener) {
			return nil, fmt.Errorf("--%s=%q: port %q is not a number from 1 to 65535", option, addr, port)
		}
		out = append(out, net.JoinHostPort(host, port))
	}
	return out, nil
}

// parseWhitelist parses a --whitelist IP or CIDR network.
func parseWhitelist(w string) (*net.IPNet, error) {
	if _, ipnet, err := net.ParseCIDR(w); err == nil {
		return ipnet, nil
	}
	ip := net.ParseIP(w)
	if ip == nil {
		return nil, fmt.Errorf("--whitelist=%q: not an IP address or CIDR network (e.g. 10.0.0.0/8)", w)
	}
	bits := 32
	if ip.To4() == nil {
		bits = 128
	} else {
		ip = ip.To4()
	}
	return &net.IPNet{IP: ip, Mask: net.CIDRMask(bits, bits)}, nil
}

// configOptionNames returns the long names of every conf-file option of
// the config struct (used by the sample-file test and documentation).
func configOptionNames() []string {
	var names []string
	t := reflect.TypeOf(config{})
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if long := f.Tag.Get("long"); long != "" && f.Tag.Get("no-ini") != "true" {
			names = append(names, long)
		}
	}
	return names
}

// checkZMQ checks the --zmqpub* options and collects the endpoints that
// are set, naming the option of a bad address or high-water mark.
func (cfg *config) checkZMQ() error {
	opts := []struct {
		topic string
		addr  string
		hwm   int
	}{
		{zmq.TopicHashBlock, cfg.ZMQPubHashBlock, cfg.ZMQPubHashBlockHWM},
		{zmq.TopicHashTx, cfg.ZMQPubHashTx, cfg.ZMQPubHashTxHWM},
		{zmq.TopicRawBlock, cfg.ZMQPubRawBlock, cfg.ZMQPubRawBlockHWM},
		{zmq.TopicRawTx, cfg.ZMQPubRawTx, cfg.ZMQPubRawTxHWM},
		{zmq.TopicSequence, cfg.ZMQPubSequence, cfg.ZMQPubSequenceHWM},
	}
	cfg.zmqEndpoints = nil
	for _, o := range opts {
		if o.addr == "" {
			continue
		}
		if err := zmq.CheckAddress(o.addr); err != nil {
			return fmt.Errorf("--zmqpub%s=%s: %v; give tcp://host:port (e.g. tcp://127.0.0.1:28332) "+
				"or ipc://path", o.topic, o.addr, err)
		}
		cfg.zmqEndpoints = append(cfg.zmqEndpoints, zmq.Endpoint{Topic: o.topic, Address: o.addr, HWM: o.hwm})
	}
	return nil
}

// deprecatedRPC reports whether --deprecatedrpc=name was given.
func (cfg *config) deprecatedRPC(name string) bool {
	for _, d := range cfg.DeprecatedRPC {
		if d == name {
			return true
		}
	}
	return false
}
