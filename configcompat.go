package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"reflect"
	"strconv"
	"strings"

	"github.com/tern-org/ternd/internal/coreconf"
)

// This file is the parsing layer that lets bitcoind's habits work with
// ternd: single-dash long options on the command line, Core's option names
// where ternd's differ, -daemon refused with a reason, and the conf file's
// network sections. It runs before go-flags sees anything, so the options
// themselves, their values and their validation stay in config.go.

// coreAliases maps Bitcoin Core's option names to ternd's where they
// differ and mean the same, on the command line and in the conf file.
var coreAliases = map[string]string{
	"rpcpassword":    "rpcpass",
	"bind":           "listen",
	"rpcbind":        "rpclisten",
	"conf":           "configfile",
	"maxconnections": "maxpeers",
	"addnode":        "addpeer",
}

// corePortOptions are Core's options that set a port rather than a whole
// address: -port for the P2P listeners, -rpcport for the RPC ones. They
// apply to every listener given without a port and to the defaults.
var corePortOptions = map[string]bool{"port": true, "rpcport": true}

// compatOptions are what the bitcoind aliases set that has no field of its
// own in config: the ports of -port and -rpcport.
type compatOptions struct {
	port    string
	rpcPort string
}

// errDaemon is the refusal of -daemon: ternd stays in the foreground.
var errDaemon = errors.New("-daemon: ternd does not fork into the background; run it under a " +
	"service manager (systemd, launchd) or as `ternd ... &` with its output redirected " +
	"(the log is also written to LOGDIR/NETWORK/ternd.log)")

// longOptionNames returns every long option of config (and go-flags' help)
// by name, for telling a single-dash long option from a short one.
func longOptionNames() map[string]bool {
	names := map[string]bool{"help": true}
	t := reflect.TypeOf(config{})
	for i := 0; i < t.NumField(); i++ {
		if long := t.Field(i).Tag.Get("long"); long != "" {
			names[long] = true
		}
	}
	return names
}

// shortOptionNames returns config's one-letter flags (-V, -C, -A, -b, -d,
// -u, -P, -a) and go-flags' -h.
func shortOptionNames() map[byte]bool {
	names := map[byte]bool{'h': true}
	t := reflect.TypeOf(config{})
	for i := 0; i < t.NumField(); i++ {
		if short := t.Field(i).Tag.Get("short"); len(short) == 1 {
			names[short[0]] = true
		}
	}
	return names
}

// preprocessArgs rewrites a bitcoind-style command line into ternd's:
// -regtest and -datadir=DIR become --regtest and --datadir=DIR (a
// single-dash word longer than one letter is a long option, unless it is
// one of ternd's short flags with its value attached, as -ualice); Core's
// names become ternd's (-rpcpassword → --rpcpass, -bind → --listen ...);
// -port and -rpcport are taken out into the returned compatOptions; and
// -daemon is refused. Arguments after "--" are left alone.
func preprocessArgs(args []string) ([]string, compatOptions, error) {
	longs, shorts := longOptionNames(), shortOptionNames()
	var co compatOptions
	out := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if arg == "--" {
			out = append(out, args[i:]...)
			break
		}
		var body string
		switch {
		case strings.HasPrefix(arg, "--"):
			body = arg[2:]
		case len(arg) > 2 && arg[0] == '-':
			name, _, _ := strings.Cut(arg[1:], "=")
			_, alias := coreAliases[name]
			if !longs[name] && !alias && !corePortOptions[name] && !isCoreOnlyOption(name) &&
				shorts[arg[1]] {
				out = append(out, arg) // a short flag with its value, e.g. -ualice
				continue
			}
			body = arg[1:]
		default:
			out = append(out, arg)
			continue
		}
		name, value, hasValue := strings.Cut(body, "=")
		if corePortOptions[name] {
			if !hasValue {
				if i+1 >= len(args) {
					return nil, co, fmt.Errorf("-%s: give it a port (-%s=N)", name, name)
				}
				i++
				value = args[i]
			}
			if err := co.setPort(name, value); err != nil {
				return nil, co, err
			}
			continue
		}
		if err := checkCoreOnlyOption(name, value, hasValue); err != nil {
			return nil, co, err
		}
		if isCoreOnlyOption(name) {
			continue
		}
		if to, ok := coreAliases[name]; ok {
			name = to
		}
		if hasValue {
			out = append(out, "--"+name+"="+value)
		} else {
			out = append(out, "--"+name)
		}
	}
	return out, co, nil
}

// setPort records -port or -rpcport after checking the number.
func (co *compatOptions) setPort(option, value string) error {
	n, err := strconv.Atoi(strings.TrimSpace(value))
	if err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("-%s=%q: not a port number from 1 to 65535", option, value)
	}
	if option == "port" {
		co.port = strconv.Itoa(n)
	} else {
		co.rpcPort = strconv.Itoa(n)
	}
	return nil
}

// isCoreOnlyOption reports whether name is a Core option ternd accepts
// only to check it (checkCoreOnlyOption) and then drops.
func isCoreOnlyOption(name string) bool {
	switch name {
	case "daemon", "daemonwait", "server", "rpcallowip":
		return true
	}
	return false
}

// checkCoreOnlyOption accepts Core's options that need nothing from ternd
// and refuses those ternd cannot honour, saying why: -daemon (ternd stays
// in the foreground), -server=0 (use --norpc), and -rpcallowip of a
// network beyond loopback (ternd does not filter RPC clients by address).
func checkCoreOnlyOption(name, value string, hasValue bool) error {
	on := !hasValue || value == "1" || strings.EqualFold(value, "true")
	switch name {
	case "daemon", "daemonwait":
		if on {
			return errDaemon
		}
	case "server":
		if !on {
			return errors.New("-server=0: ternd's RPC server is turned off with --norpc")
		}
	case "rpcallowip":
		if !loopbackOnly(value) {
			return fmt.Errorf("-rpcallowip=%s: ternd does not filter RPC clients by address; it "+
				"answers on the --rpclisten interfaces (loopback by default) to anyone with the "+
				"credentials. Bind a private interface with --rpclisten and drop -rpcallowip", value)
		}
	}
	return nil
}

// loopbackOnly reports whether an -rpcallowip value (IP, CIDR or
// IP/netmask) covers loopback addresses only, which ternd's default
// listeners already allow.
func loopbackOnly(v string) bool {
	v = strings.TrimSpace(v)
	if ip := net.ParseIP(v); ip != nil {
		return ip.IsLoopback()
	}
	if _, n, err := net.ParseCIDR(v); err == nil {
		ones, bits := n.Mask.Size()
		return n.IP.IsLoopback() && ((bits == 32 && ones >= 8) || (bits == 128 && ones == 128))
	}
	return false
}

// coreSection returns Core's conf-file section of the network a command
// line selected ("" when it selected none).
func coreSection(c *config) string {
	switch {
	case c.RegressionTest:
		return coreconf.SectionRegtest
	case c.TestNet3:
		return coreconf.SectionTest
	case c.TestNet4:
		return coreconf.SectionTestnet4
	case c.SigNet:
		return coreconf.SectionSignet
	}
	return ""
}

// coreNetworkOptions are the options that select a network; Core's
// chain=NAME sets the same.
var coreNetworkOptions = map[string]string{
	coreconf.SectionRegtest:  "regtest",
	coreconf.SectionTest:     "testnet",
	coreconf.SectionTestnet4: "testnet4",
	coreconf.SectionSignet:   "signet",
}

// readConfFile reads the conf file at path as Core does (see
// internal/coreconf): the top level, then the section of the network the
// command line selected or, failing that, the file's top level. It returns
// ini text for go-flags with every line at its original number (lines of
// other networks blanked), Core's names turned into ternd's, and -port and
// -rpcport taken out into co (where the command line's, already there,
// win). Errors name the file and line.
func readConfFile(path, cmdSection string, co *compatOptions) (string, error) {
	fh, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer fh.Close()
	f, err := coreconf.Parse(fh)
	if err != nil {
		var ce *coreconf.Error
		if errors.As(err, &ce) {
			return "", fmt.Errorf("config file %s line %d: %s", path, ce.Line, ce.Msg)
		}
		return "", fmt.Errorf("config file %s: %v; fix the file or choose another with --configfile", path, err)
	}
	section := cmdSection
	if section == "" {
		section = f.Network()
	}
	lines := make([]string, f.NumLines)
	fromFile := compatOptions{}
	for _, l := range f.Select(section) {
		text, err := confLine(l, &fromFile)
		if err != nil {
			return "", fmt.Errorf("config file %s line %d: %w", path, l.Num, err)
		}
		lines[l.Num-1] = text
	}
	if co.port == "" {
		co.port = fromFile.port
	}
	if co.rpcPort == "" {
		co.rpcPort = fromFile.rpcPort
	}
	return strings.Join(lines, "\n") + "\n", nil
}

// confLine turns one selected conf-file line into the ini line go-flags
// reads ("" drops it), applying Core's names and port options.
func confLine(l coreconf.Line, co *compatOptions) (string, error) {
	key := l.Key
	if !l.HasValue {
		return key, nil // go-flags reads a bare boolean, or names the error
	}
	if corePortOptions[key] {
		return "", co.setPort(key, l.Value)
	}
	if err := checkCoreOnlyOption(key, l.Value, true); err != nil {
		return "", err
	}
	if isCoreOnlyOption(key) {
		return "", nil
	}
	if key == "chain" {
		opt, ok := coreNetworkOptions[l.Value]
		if l.Value == coreconf.SectionMain {
			return "", nil
		}
		if !ok {
			return "", fmt.Errorf("chain=%s: use main, test, testnet4, signet or regtest", l.Value)
		}
		return opt + "=1", nil
	}
	if to, ok := coreAliases[key]; ok {
		key = to
	}
	return key + "=" + l.Value, nil
}

// p2pPort is the port of P2P listeners given without one, and of the
// default listener: -port, else the network's.
func (c *config) p2pPort() string {
	if c.compat.port != "" {
		return c.compat.port
	}
	return c.params.DefaultPort
}

// rpcPort is the port of RPC listeners given without one, and of the
// default ones: -rpcport, else the network's.
func (c *config) rpcPort() string {
	if c.compat.rpcPort != "" {
		return c.compat.rpcPort
	}
	return c.params.RPCPort
}
