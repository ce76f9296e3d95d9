package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	flags "github.com/jessevdk/go-flags"
)

// loadTestConfig runs loadConfig with --appdata pointing at a temp dir so
// no test touches the real home directory.
func loadTestConfig(t *testing.T, appData string, args ...string) (*config, string, error) {
	t.Helper()
	var out bytes.Buffer
	cfg, err := loadConfig(append([]string{"--appdata=" + appData}, args...), &out)
	return cfg, out.String(), err
}

func TestConfigDefaults(t *testing.T) {
	dir := t.TempDir()
	cfg, _, err := loadTestConfig(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.params.Name != "mainnet" {
		t.Fatalf("network %s", cfg.params.Name)
	}
	if cfg.netDataDir != filepath.Join(dir, "mainnet") || cfg.netLogDir != filepath.Join(dir, "logs", "mainnet") {
		t.Fatalf("dirs %s %s", cfg.netDataDir, cfg.netLogDir)
	}
	if cfg.ConfigFile != filepath.Join(dir, "ternd.conf") {
		t.Fatalf("configfile %s", cfg.ConfigFile)
	}
	if !cfg.rpcDefaultListeners || cfg.RPCListeners[0] != "127.0.0.1:8332" || cfg.RPCListeners[1] != "[::1]:8332" {
		t.Fatalf("rpc listeners %v", cfg.RPCListeners)
	}
	if cfg.Listeners[0] != ":8333" {
		t.Fatalf("listeners %v", cfg.Listeners)
	}
	if cfg.minRelayTxFeeSat != 100 || cfg.incrementalRelayFeeSat != 100 || cfg.dustRelayFeeSat != 3000 ||
		cfg.blockMinTxFeeSat != 1 {
		t.Fatalf("fees %d %d %d %d", cfg.minRelayTxFeeSat, cfg.incrementalRelayFeeSat,
			cfg.dustRelayFeeSat, cfg.blockMinTxFeeSat)
	}
	if cfg.MaxMempool != 300 || cfg.MempoolExpiry != 336 || cfg.DataCarrierSize != 100000 ||
		cfg.BlockMaxWeight != 3996000 || cfg.BanDuration != 24*time.Hour || cfg.MaxPeers != 125 ||
		cfg.RPCMaxClients != 10 {
		t.Fatalf("defaults %+v", cfg)
	}
	// Nothing may have been created by loadConfig.
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("loadConfig created files: %v", entries)
	}
}

func TestConfigNetworks(t *testing.T) {
	tests := []struct {
		flag, name, rpc, p2p string
	}{
		{"", "mainnet", "8332", "8333"},
		{"--testnet", "testnet3", "18332", "18333"},
		{"--testnet4", "testnet4", "48332", "48333"},
		{"--signet", "signet", "38332", "38333"},
		{"--regtest", "regtest", "18443", "18444"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			var args []string
			if tc.flag != "" {
				args = append(args, tc.flag)
			}
			cfg, _, err := loadTestConfig(t, dir, args...)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.params.Name != tc.name || cfg.netDataDir != filepath.Join(dir, tc.name) ||
				cfg.RPCListeners[0] != "127.0.0.1:"+tc.rpc || cfg.Listeners[0] != ":"+tc.p2p {
				t.Fatalf("got %s %s %v %v", cfg.params.Name, cfg.netDataDir, cfg.RPCListeners, cfg.Listeners)
			}
		})
	}
}

func TestConfigFlags(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(t.TempDir(), "d")
	logs := filepath.Join(t.TempDir(), "l")
	cfg, _, err := loadTestConfig(t, dir, "--regtest", "--datadir="+data, "--logdir="+logs,
		"--listen=127.0.0.1", "--listen=[::1]:9999", "--addpeer=192.0.2.1", "-a", "example.com:1234",
		"--maxpeers=8", "--proxy=127.0.0.1", "--onion=localhost:9150", "--externalip=203.0.113.1",
		"--rpclisten=127.0.0.1:0", "--rpcuser=u", "--rpcpass=p", "--rpcmaxclients=3",
		"--minrelaytxfee=0.00001", "--dustrelayfee=0", "--maxmempool=50", "--mempoolexpiry=2",
		"--datacarriersize=80", "--blockmaxweight=4000", "--blockmintxfee=0.0001", "--txindex",
		"--blockfilterindex", "--peerblockfilters",
		"--banduration=1h", "--whitelist=10.0.0.0/8", "--whitelist=::1", "--miningaddr=bcrt1qxyz",
		"--debuglevel=PEER=debug,info")
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name string
		ok   bool
	}{
		{"datadir", cfg.netDataDir == filepath.Join(data, "regtest")},
		{"logdir", cfg.netLogDir == filepath.Join(logs, "regtest")},
		{"listen", strings.Join(cfg.Listeners, ",") == "127.0.0.1:18444,[::1]:9999"},
		{"addpeer", strings.Join(cfg.AddPeers, ",") == "192.0.2.1:18444,example.com:1234"},
		{"maxpeers", cfg.MaxPeers == 8},
		{"proxy", cfg.Proxy == "127.0.0.1:9050" && cfg.OnionProxy == "localhost:9150"},
		{"externalip", cfg.ExternalIPs[0] == "203.0.113.1:18444"},
		{"rpclisten", len(cfg.RPCListeners) == 1 && cfg.RPCListeners[0] == "127.0.0.1:0" && !cfg.rpcDefaultListeners},
		{"rpcauth", cfg.RPCUser == "u" && cfg.RPCPass == "p" && cfg.RPCMaxClients == 3},
		{"fees", cfg.minRelayTxFeeSat == 1000 && cfg.dustRelayFeeSat == 0 && cfg.blockMinTxFeeSat == 10000},
		{"mempool", cfg.MaxMempool == 50 && cfg.MempoolExpiry == 2 && cfg.DataCarrierSize == 80},
		{"mining", cfg.BlockMaxWeight == 4000 && cfg.MiningAddrs[0] == "bcrt1qxyz" && cfg.TxIndex},
		{"ban", cfg.BanDuration == time.Hour && len(cfg.whitelistNets) == 2},
		{"filters", cfg.BlockFilterIndex && cfg.PeerBlockFilters},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s not applied: %+v", c.name, cfg)
		}
	}
	cfg, _, err = loadTestConfig(t, dir, "--nolisten", "--connect=192.0.2.9")
	if err != nil || len(cfg.Listeners) != 0 || cfg.ConnectPeers[0] != "192.0.2.9:8333" {
		t.Fatalf("nolisten/connect: %v %v", err, cfg)
	}
}

func writeConf(t *testing.T, dir, content string) string {
	t.Helper()
	path := filepath.Join(dir, "ternd.conf")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestConfigFile(t *testing.T) {
	// The default conf file in the app data dir is read.
	dir := t.TempDir()
	writeConf(t, dir, "[Application Options]\nregtest=1\nrpcuser=fileuser\nrpcpass=filepass\n"+
		"maxpeers=5\nrpclisten=127.0.0.1:1111\naddpeer=192.0.2.1\n# comment\n; comment\n")
	cfg, _, err := loadTestConfig(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.params.Name != "regtest" || cfg.RPCUser != "fileuser" || cfg.MaxPeers != 5 ||
		cfg.RPCListeners[0] != "127.0.0.1:1111" {
		t.Fatalf("file not applied: %+v", cfg)
	}

	// Flags win over the file, also for repeatable options.
	cfg, _, err = loadTestConfig(t, dir, "--maxpeers=7", "--rpcuser=flaguser",
		"--rpclisten=127.0.0.1:2222")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.MaxPeers != 7 || cfg.RPCUser != "flaguser" || cfg.RPCPass != "filepass" {
		t.Fatalf("precedence: %+v", cfg)
	}
	if strings.Join(cfg.RPCListeners, ",") != "127.0.0.1:2222" {
		t.Fatalf("repeatable option from flags should replace the file's: %v", cfg.RPCListeners)
	}
	if cfg.AddPeers[0] != "192.0.2.1:18444" {
		t.Fatalf("file's addpeer lost: %v", cfg.AddPeers)
	}

	// --configfile chooses another file; options without a section work.
	other := t.TempDir()
	path := writeConf(t, other, "testnet4=1\n")
	cfg, _, err = loadTestConfig(t, t.TempDir(), "--configfile="+path)
	if err != nil || cfg.params.Name != "testnet4" || cfg.ConfigFile != path {
		t.Fatalf("--configfile: %v %+v", err, cfg)
	}
}

func TestConfigErrors(t *testing.T) {
	confDir := func(content string) string {
		dir := t.TempDir()
		writeConf(t, dir, content)
		return dir
	}
	tests := []struct {
		name    string
		appData string // "" = fresh temp dir
		args    []string
		want    []string // substrings of the message
	}{
		{"unknown flag", "", []string{"--bogus"}, []string{"bogus", "--help"}},
		{"unknown short", "", []string{"-Z"}, []string{"Z", "--help"}},
		{"missing value", "", []string{"--maxpeers"}, []string{"maxpeers", "value"}},
		{"bad number", "", []string{"--maxpeers=lots"}, []string{"maxpeers", "lots"}},
		{"positional", "", []string{"stray"}, []string{"stray", "only options"}},
		{"two networks", "", []string{"--testnet", "--regtest"}, []string{"mutually exclusive", "choose one"}},
		{"three networks", "", []string{"--signet", "--testnet4", "--regtest"}, []string{"mutually exclusive"}},
		{"bad rpc port", "", []string{"--rpclisten=127.0.0.1:99999"}, []string{"--rpclisten", "99999", "1 to 65535"}},
		{"non-numeric port", "", []string{"--listen=127.0.0.1:http"}, []string{"--listen", "port"}},
		{"bad ipv6", "", []string{"--listen=[::1"}, []string{"--listen", "malformed"}},
		{"connect no host", "", []string{"--connect=:8333"}, []string{"--connect", "missing host"}},
		{"bad proxy", "", []string{"--proxy=a b:9050"}, []string{"--proxy", "malformed host"}},
		{"bad onion port", "", []string{"--onion=127.0.0.1:0"}, []string{"--onion", "port"}},
		{"bad externalip", "", []string{"--externalip=1:2:3"}, []string{"--externalip"}},
		{"listen and nolisten", "", []string{"--listen=1.2.3.4", "--nolisten"}, []string{"--listen", "--nolisten"}},
		{"connect and addpeer", "", []string{"--connect=1.2.3.4", "--addpeer=1.2.3.5"}, []string{"--connect", "--addpeer"}},
		{"negative maxpeers", "", []string{"--maxpeers=-1"}, []string{"--maxpeers"}},
		{"rpcuser alone", "", []string{"--rpcuser=a"}, []string{"--rpcuser", "--rpcpass", "together"}},
		{"rpcpass alone", "", []string{"--rpcpass=a"}, []string{"--rpcpass", "together"}},
		{"rpcuser colon", "", []string{"--rpcuser=a:b", "--rpcpass=c"}, []string{"--rpcuser", "':'"}},
		{"rpcmaxclients", "", []string{"--rpcmaxclients=0"}, []string{"--rpcmaxclients"}},
		{"negative fee", "", []string{"--minrelaytxfee=-1"}, []string{"--minrelaytxfee", "BTC/kvB"}},
		{"huge fee", "", []string{"--dustrelayfee=5"}, []string{"--dustrelayfee"}},
		{"incremental fee", "", []string{"--incrementalrelayfee=-0.1"}, []string{"--incrementalrelayfee"}},
		{"blockmintxfee", "", []string{"--blockmintxfee=2"}, []string{"--blockmintxfee"}},
		{"small mempool", "", []string{"--maxmempool=1"}, []string{"--maxmempool", "from 5 to"}},
		{"small dbcache", "", []string{"--dbcache=1"}, []string{"--dbcache", "from 4 to"}},
		{"profile port", "", []string{"--profile=99999"}, []string{"--profile", "1 to 65535", "--profile=6060"}},
		{"profile host", "", []string{"--profile=a b:6060"}, []string{"--profile", "malformed host"}},
		{"expiry", "", []string{"--mempoolexpiry=0"}, []string{"--mempoolexpiry"}},
		{"datacarrier", "", []string{"--datacarriersize=-1"}, []string{"--datacarriersize"}},
		{"weight high", "", []string{"--blockmaxweight=4000001"}, []string{"--blockmaxweight", "4000000"}},
		{"weight low", "", []string{"--blockmaxweight=10"}, []string{"--blockmaxweight"}},
		{"banduration", "", []string{"--banduration=0s"}, []string{"--banduration"}},
		{"peerblockfilters alone", "", []string{"--peerblockfilters"}, []string{"--peerblockfilters", "--blockfilterindex"}},
		{"bad duration", "", []string{"--banduration=forever"}, []string{"banduration"}},
		{"whitelist", "", []string{"--whitelist=nonsense"}, []string{"--whitelist", "CIDR"}},
		{"miningaddr", "", []string{"--miningaddr=not an address"}, []string{"--miningaddr"}},
		{"zmq no scheme", "", []string{"--zmqpubrawtx=127.0.0.1:28332"}, []string{"--zmqpubrawtx", "tcp://"}},
		{"zmq bad port", "", []string{"--zmqpubrawblock=tcp://127.0.0.1:99999"}, []string{"--zmqpubrawblock", "port"}},
		{"zmq transport", "", []string{"--zmqpubsequence=udp://127.0.0.1:1"}, []string{"--zmqpubsequence", "udp"}},
		{"deprecatedrpc", "", []string{"--deprecatedrpc=bogus"}, []string{"--deprecatedrpc", "warnings"}},
		{"zmq hwm", "", []string{"--zmqpubhashtxhwm=-1"}, []string{"--zmqpubhashtxhwm"}},
		{"conf zmq", confDir("zmqpubhashblock=nowhere\n"), nil, []string{"--zmqpubhashblock", "nowhere"}},
		{"debuglevel", "", []string{"--debuglevel=loud"}, []string{"--debuglevel", "loud"}},
		{"debuglevel subsystem", "", []string{"--debuglevel=NOPE=debug"}, []string{"--debuglevel", "NOPE", "PEER"}},
		{"debuglevel sub level", "", []string{"--debuglevel=PEER=loud"}, []string{"--debuglevel", "loud", "PEER"}},
		{"missing configfile", "", []string{"--configfile=/nonexistent/ternd.conf"}, []string{"--configfile", "/nonexistent/ternd.conf"}},
		{"unreadable configfile", "", []string{"--configfile=" + t.TempDir()}, []string{"--configfile"}},
		{"conf unknown option", confDir("regtest=1\nbogus=2\n"), nil, []string{"line 2", "bogus", "sample-ternd.conf"}},
		{"conf bad value", confDir("maxpeers=many\n"), nil, []string{"line 1", "many"}},
		{"conf two networks", confDir("regtest=1\n"), []string{"--testnet"}, []string{"mutually exclusive"}},
		{"conf bad address", confDir("rpclisten=localhost:70000\n"), nil, []string{"--rpclisten", "70000"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := tc.appData
			if dir == "" {
				dir = t.TempDir()
			}
			_, _, err := loadTestConfig(t, dir, tc.args...)
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Fatalf("message %q lacks %q", err, w)
				}
			}
		})
	}
	t.Logf("%d error cases", len(tests))
}

// TestConfigNumericOptions walks every numeric option with a value out of
// range and one of the wrong type, given as a flag and as a conf-file line:
// each is refused, before anything is created, with a message that names
// the option (and, from the file, the file), quotes the value and says
// what the option accepts.
func TestConfigNumericOptions(t *testing.T) {
	// Every numeric field of config has a range.
	ranged := make(map[string]bool)
	for _, o := range numericOptions {
		ranged[o.name] = true
	}
	ct := reflect.TypeOf(config{})
	for i := 0; i < ct.NumField(); i++ {
		f := ct.Field(i)
		switch f.Type.Kind() {
		case reflect.Int, reflect.Int64, reflect.Float64, reflect.Uint32:
			if long := f.Tag.Get("long"); long != "" && !ranged[long] {
				t.Errorf("numeric option --%s has no range in numericOptions", long)
			}
		}
	}

	type value struct{ kind, v string }
	values := func(o numericOption) []value {
		f, _ := configField(o.name)
		switch {
		case f.Type == durationType:
			return []value{{"below", "0s"}, {"above", "100000h"}, {"ill-typed", "forever"},
				{"overflow", "99999999999999999999h"}}
		case f.Type.Kind() == reflect.Float64:
			return []value{{"below", "-0.5"}, {"above", "2"}, {"ill-typed", "cheap"}, {"nan", "NaN"}}
		}
		return []value{{"below", strconv.FormatFloat(o.min-1, 'f', 0, 64)},
			{"above", strconv.FormatFloat(o.max+1, 'f', 0, 64)}, {"huge", "100000000000"},
			{"ill-typed", "abc"}, {"overflow", "99999999999999999999999"}, {"binary", "1\x01\xff"}}
	}
	n := 0
	for _, o := range numericOptions {
		for _, val := range values(o) {
			for _, from := range []string{"flag", "conf"} {
				n++
				t.Run(o.name+"/"+val.kind+"/"+from, func(t *testing.T) {
					dir := t.TempDir()
					var args []string
					if from == "flag" {
						args = []string{"--" + o.name + "=" + val.v}
					} else {
						writeConf(t, dir, "regtest=1\n"+o.name+"="+val.v+"\n")
					}
					_, _, err := loadTestConfig(t, dir, args...)
					if err == nil {
						t.Fatalf("%s=%q accepted", o.name, val.v)
					}
					msg := err.Error()
					want := []string{"--" + o.name + "=", "give ", strings.Split(o.accepts(), " (")[0]}
					if from == "conf" {
						want = append(want, filepath.Join(dir, "ternd.conf"))
					}
					for _, w := range want {
						if !strings.Contains(msg, w) {
							t.Fatalf("message %q lacks %q", msg, w)
						}
					}
					if strings.ContainsFunc(msg, func(r rune) bool { return r < 0x20 || r == 0xfffd }) {
						t.Fatalf("message %q holds unprintable bytes", msg)
					}
					if entries, _ := os.ReadDir(dir); len(entries) > 1 {
						t.Fatalf("files created: %v", entries)
					}
				})
			}
		}
	}
	// Switches given a value.
	for _, tc := range []struct{ name, conf, arg, want string }{
		{"conf", "regtest=maybe\n", "", `--regtest="maybe": not a switch value`},
		{"flag", "", "--regtest=maybe", "--regtest takes no value"},
	} {
		dir := t.TempDir()
		if tc.conf != "" {
			writeConf(t, dir, tc.conf)
		}
		var args []string
		if tc.arg != "" {
			args = append(args, tc.arg)
		}
		if _, _, err := loadTestConfig(t, dir, args...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("switch from %s: %v, want %q", tc.name, err, tc.want)
		}
	}
	if n == 0 {
		t.Fatal("no cases")
	}
	t.Logf("%d cases", n)
}

// TestConfigEscapesUnprintable checks that bytes from the conf file that
// are not printable text are escaped in messages.
func TestConfigEscapesUnprintable(t *testing.T) {
	tests := []struct{ name, conf, want string }{
		{"unknown option", "foo\x01\xfe=1\n", `foo\x01\xfe`},
		{"value", "rpclisten=\x1b[31m:1\n", `\x1b[31m`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeConf(t, dir, tc.conf)
			_, _, err := loadTestConfig(t, dir)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("%v, want %q", err, tc.want)
			}
			if strings.ContainsFunc(err.Error(), func(r rune) bool { return r < 0x20 || r == 0xfffd }) {
				t.Fatalf("message %q holds unprintable bytes", err)
			}
		})
	}
}

func TestConfigExitZero(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--help"}, "--rpclisten"},
		{[]string{"-V"}, "ternd version"},
		{[]string{"--debuglevel=show"}, "Supported subsystems [AMGR CHAN"},
	} {
		_, out, err := loadTestConfig(t, t.TempDir(), tc.args...)
		if !errors.Is(err, errExitZero) || !strings.Contains(out, tc.want) {
			t.Errorf("%v: err %v out %q", tc.args, err, out)
		}
	}
}

// TestSampleConfig checks that sample-ternd.conf documents every option of
// the config struct and that every option it shows is a real one.
func TestSampleConfig(t *testing.T) {
	data, err := os.ReadFile("sample-ternd.conf")
	if err != nil {
		t.Fatal(err)
	}
	line := regexp.MustCompile(`(?m)^; ([a-z0-9]+)=(.*)$`)
	shown := make(map[string]bool)
	var uncommented strings.Builder
	uncommented.WriteString("[Application Options]\n")
	for _, m := range line.FindAllStringSubmatch(string(data), -1) {
		shown[m[1]] = true
		uncommented.WriteString(m[1] + "=" + m[2] + "\n")
	}
	names := configOptionNames()
	if len(names) == 0 {
		t.Fatal("no options found in the config struct")
	}
	for _, n := range commandLineOnlyOptions() {
		if !strings.Contains(string(data), "--"+n) {
			t.Errorf("command-line option --%s is not mentioned in sample-ternd.conf", n)
		}
	}
	for _, n := range names {
		if !shown[n] {
			t.Errorf("option %q is not documented in sample-ternd.conf (add a \"; %s=...\" line)", n, n)
		}
	}
	// Every documented option must parse (names and value formats).
	cfg := defaultConfig()
	p := newConfigParser(&cfg, flags.Default&^flags.PrintErrors)
	if err := flags.NewIniParser(p).Parse(strings.NewReader(uncommented.String())); err != nil {
		t.Fatalf("sample-ternd.conf shows an invalid option: %v", err)
	}
	t.Logf("%d options documented", len(names))
}

func TestParseDebugLevel(t *testing.T) {
	levels, err := parseDebugLevel("debug")
	if err != nil || len(levels) != len(subsystemLoggers) {
		t.Fatalf("%v %v", levels, err)
	}
	levels, err = parseDebugLevel("peer=trace, RPCS=off,warn")
	if err != nil || levels["PEER"].String() != "TRC" || levels["RPCS"].String() != "OFF" ||
		levels["TERN"].String() != "WRN" {
		t.Fatalf("%v %v", levels, err)
	}
	for _, bad := range []string{"", "x", "PEER=", "=debug", "PEER=debug,bogus"} {
		if _, err := parseDebugLevel(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// FuzzConfigFile feeds arbitrary conf-file content to loadConfig: it must
// return a config or an error, never panic.
func FuzzConfigFile(f *testing.F) {
	sample, _ := os.ReadFile("sample-ternd.conf")
	f.Add(sample)
	f.Add([]byte("[Application Options]\nregtest=1\nrpclisten=[::1]:0\nmaxpeers=-1\n"))
	f.Add([]byte("debuglevel=PEER=trace,=\nwhitelist=::/0\nbanduration=1h\n"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "fuzz.conf")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		cfg, err := loadConfig([]string{"--appdata=" + dir, "--configfile=" + path}, &bytes.Buffer{})
		if err == nil && cfg.params == nil {
			t.Fatal("config without network")
		}
	})
}

// commandLineOnlyOptions returns the long names of the no-ini options.
func commandLineOnlyOptions() []string {
	var names []string
	t := reflect.TypeOf(config{})
	for i := 0; i < t.NumField(); i++ {
		if f := t.Field(i); f.Tag.Get("long") != "" && f.Tag.Get("no-ini") == "true" {
			names = append(names, f.Tag.Get("long"))
		}
	}
	return names
}
