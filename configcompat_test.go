package main

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// TestBitcoindHabits: the command lines and conf files a bitcoind operator
// writes are accepted and mean what they mean to Core.
func TestBitcoindHabits(t *testing.T) {
	tests := []struct {
		name  string
		conf  string // ternd.conf in the app data dir; "" = none
		args  []string
		check func(t *testing.T, c *config)
	}{
		{"single-dash network", "", []string{"-regtest"}, func(t *testing.T, c *config) {
			wantEq(t, "network", c.params.Name, "regtest")
		}},
		{"single-dash with value", "", []string{"-regtest", "-datadir=/tmp/x", "-maxpeers=9"},
			func(t *testing.T, c *config) {
				wantEq(t, "datadir", c.DataDir, "/tmp/x")
				wantEq(t, "maxpeers", c.MaxPeers, 9)
			}},
		{"single-dash with separate value", "", []string{"-regtest", "-maxpeers", "7"},
			func(t *testing.T, c *config) { wantEq(t, "maxpeers", c.MaxPeers, 7) }},
		{"short flags as before", "", []string{"-u", "alice", "-Psecret", "-a", "127.0.0.1", "-d", "debug"},
			func(t *testing.T, c *config) {
				wantEq(t, "user", c.RPCUser, "alice")
				wantEq(t, "pass", c.RPCPass, "secret")
				wantEq(t, "addpeer", strings.Join(c.AddPeers, ","), "127.0.0.1:8333")
				wantEq(t, "debuglevel", c.DebugLevel, "debug")
			}},
		{"short flag with attached value", "", []string{"-ualice", "-P", "x"},
			func(t *testing.T, c *config) { wantEq(t, "user", c.RPCUser, "alice") }},
		{"rpcpassword", "", []string{"-rpcuser=u", "-rpcpassword=p"},
			func(t *testing.T, c *config) { wantEq(t, "pass", c.RPCPass, "p") }},
		{"double-dash alias", "", []string{"--rpcuser=u", "--rpcpassword=p"},
			func(t *testing.T, c *config) { wantEq(t, "pass", c.RPCPass, "p") }},
		{"rpcport", "", []string{"-regtest", "-rpcport=28443"}, func(t *testing.T, c *config) {
			wantEq(t, "rpc listeners", strings.Join(c.RPCListeners, ","), "127.0.0.1:28443,[::1]:28443")
			wantEq(t, "default listeners", c.rpcDefaultListeners, true)
		}},
		{"rpcbind and rpcport", "", []string{"-rpcbind=127.0.0.1", "-rpcport", "5000"},
			func(t *testing.T, c *config) {
				wantEq(t, "rpc listeners", strings.Join(c.RPCListeners, ","), "127.0.0.1:5000")
			}},
		{"port", "", []string{"-regtest", "-port=28444"}, func(t *testing.T, c *config) {
			wantEq(t, "listeners", strings.Join(c.Listeners, ","), ":28444")
		}},
		{"bind and port", "", []string{"-bind=127.0.0.1", "-port=28444"}, func(t *testing.T, c *config) {
			wantEq(t, "listeners", strings.Join(c.Listeners, ","), "127.0.0.1:28444")
		}},
		{"bind with its own port", "", []string{"-bind=127.0.0.1:1234", "-port=28444"},
			func(t *testing.T, c *config) {
				wantEq(t, "listeners", strings.Join(c.Listeners, ","), "127.0.0.1:1234")
			}},
		{"maxconnections and addnode", "", []string{"-regtest", "-maxconnections=5", "-addnode=10.0.0.1"},
			func(t *testing.T, c *config) {
				wantEq(t, "maxpeers", c.MaxPeers, 5)
				wantEq(t, "addpeer", strings.Join(c.AddPeers, ","), "10.0.0.1:18444")
			}},
		{"daemon off, server on, loopback rpcallowip", "",
			[]string{"-daemon=0", "-server=1", "-rpcallowip=127.0.0.1", "-rpcallowip=::1"},
			func(t *testing.T, c *config) {}},
		{"conf rpcpassword", "rpcuser=u\nrpcpassword=p\n", nil,
			func(t *testing.T, c *config) { wantEq(t, "pass", c.RPCPass, "p") }},
		{"conf empty rpcpassword", "rpcpassword=\n", nil,
			func(t *testing.T, c *config) { wantEq(t, "pass", c.RPCPass, "") }},
		{"conf section of the flag's network", "[regtest]\nrpcport=28443\nmaxpeers=3\n[test]\nrpcport=1\n",
			[]string{"-regtest"}, func(t *testing.T, c *config) {
				wantEq(t, "rpc listeners", c.RPCListeners[0], "127.0.0.1:28443")
				wantEq(t, "maxpeers", c.MaxPeers, 3)
			}},
		{"conf section of the file's network", "regtest=1\nserver=1\n[regtest]\nport=28444\n[main]\nport=1\n",
			nil, func(t *testing.T, c *config) {
				wantEq(t, "network", c.params.Name, "regtest")
				wantEq(t, "listeners", strings.Join(c.Listeners, ","), ":28444")
			}},
		{"conf other sections ignored", "[main]\nmaxpeers=3\n[signet]\nbogus=1\n", []string{"-regtest"},
			func(t *testing.T, c *config) { wantEq(t, "maxpeers", c.MaxPeers, defaultMaxPeers) }},
		{"conf main section on mainnet", "[main]\nmaxpeers=3\n", nil,
			func(t *testing.T, c *config) { wantEq(t, "maxpeers", c.MaxPeers, 3) }},
		{"conf network-prefixed option", "regtest.maxpeers=7\nmain.maxpeers=1\n", []string{"-regtest"},
			func(t *testing.T, c *config) { wantEq(t, "maxpeers", c.MaxPeers, 7) }},
		{"conf chain option", "chain=regtest\n", nil,
			func(t *testing.T, c *config) { wantEq(t, "network", c.params.Name, "regtest") }},
		{"conf go-flags group header", "[Application Options]\nmaxpeers=4\n", nil,
			func(t *testing.T, c *config) { wantEq(t, "maxpeers", c.MaxPeers, 4) }},
		{"flag port wins over conf", "rpcport=1111\n", []string{"-rpcport=2222"},
			func(t *testing.T, c *config) { wantEq(t, "rpc listeners", c.RPCListeners[0], "127.0.0.1:2222") }},
		{"conf bind and rpcbind", "bind=127.0.0.1\nrpcbind=127.0.0.1\nregtest=1\n", nil,
			func(t *testing.T, c *config) {
				wantEq(t, "listeners", strings.Join(c.Listeners, ","), "127.0.0.1:18444")
				wantEq(t, "rpc listeners", strings.Join(c.RPCListeners, ","), "127.0.0.1:18443")
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if tc.conf != "" {
				writeConf(t, dir, tc.conf)
			}
			c, _, err := loadTestConfig(t, dir, tc.args...)
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, c)
		})
	}
}

// TestBitcoindHabitErrors: what ternd cannot honour is refused with a
// message naming the option and what to do instead.
func TestBitcoindHabitErrors(t *testing.T) {
	tests := []struct {
		name string
		conf string
		args []string
		want []string
	}{
		{"daemon", "", []string{"-daemon"}, []string{"-daemon", "does not fork", "systemd"}},
		{"daemon double dash", "", []string{"--daemon=1"}, []string{"-daemon", "does not fork"}},
		{"daemonwait", "", []string{"-daemonwait"}, []string{"-daemon", "does not fork"}},
		{"conf daemon", "daemon=1\n", nil, []string{"line 1", "-daemon", "does not fork"}},
		{"server off", "", []string{"-server=0"}, []string{"--norpc"}},
		{"rpcallowip beyond loopback", "", []string{"-rpcallowip=10.0.0.0/8"}, []string{"-rpcallowip", "--rpclisten"}},
		{"bad rpcport", "", []string{"-rpcport=http"}, []string{"-rpcport", "1 to 65535"}},
		{"port without value", "", []string{"-port"}, []string{"-port", "give it a port"}},
		{"conf bad port", "regtest=1\n[regtest]\nport=0\n", nil, []string{"line 3", "-port", "1 to 65535"}},
		{"conf unknown section", "[regtset]\n", nil, []string{"line 1", "[regtset]", "[regtest]"}},
		{"conf bad chain", "chain=moon\n", nil, []string{"line 1", "chain=moon", "regtest"}},
		{"unknown single-dash option", "", []string{"-frobnicate"}, []string{"frobnicate", "not a ternd option"}},
		{"unknown option in the selected section", "[regtest]\nbogus=1\n", []string{"-regtest"},
			[]string{"line 2", "bogus"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if tc.conf != "" {
				writeConf(t, dir, tc.conf)
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
}

// TestVersionFlags: -version, --version and -V print the version.
func TestVersionFlags(t *testing.T) {
	for _, arg := range []string{"-version", "--version", "-V"} {
		_, out, err := loadTestConfig(t, t.TempDir(), arg)
		if !errors.Is(err, errExitZero) || !strings.Contains(out, "ternd version") {
			t.Errorf("%s: err %v out %q", arg, err, out)
		}
	}
}

// TestPreprocessArgs: the rewriting itself, including what it leaves
// alone.
func TestPreprocessArgs(t *testing.T) {
	tests := []struct {
		in, want []string
	}{
		{[]string{"-regtest", "-datadir=/d"}, []string{"--regtest", "--datadir=/d"}},
		{[]string{"-C", "/x.conf", "-ualice"}, []string{"-C", "/x.conf", "-ualice"}},
		{[]string{"-conf=/x.conf"}, []string{"--configfile=/x.conf"}},
		{[]string{"--", "-regtest"}, []string{"--", "-regtest"}},
		{[]string{"-h"}, []string{"-h"}},
		{[]string{"-help"}, []string{"--help"}},
	}
	for _, tc := range tests {
		got, _, err := preprocessArgs(tc.in)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("preprocessArgs(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

// wantEq fails the test when got is not want.
func wantEq[T comparable](t *testing.T, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Fatalf("%s = %v, want %v", what, got, want)
	}
}
