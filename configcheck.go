package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	flags "github.com/jessevdk/go-flags"
)

// numericOption is the accepted range of one numeric option. Every numeric
// option of config has one (a test walks them all), so that no value an
// operator can type is taken that the daemon cannot honour: a range error
// and a type error both name the option and say what it accepts, whether
// the value came from a flag or from the conf file.
type numericOption struct {
	name     string
	min, max float64
	// what says what the number is, for messages ("peers", "MiB").
	what string
}

// numericOptions lists every numeric option with its range. Durations are
// in seconds here.
var numericOptions = []numericOption{
	// Each peer takes a file descriptor, buffers and a share of the
	// bandwidth; Core has no fixed cap but its file descriptor limit.
	{"maxpeers", 0, 1000, "peers"},
	{"rpcmaxclients", 1, 1000, "requests"},
	{"banduration", 1, 10 * 365 * 24 * 3600, ""},
	{"minrelaytxfee", 0, 1, "BTC/kvB"},
	{"incrementalrelayfee", 0, 1, "BTC/kvB"},
	{"dustrelayfee", 0, 1, "BTC/kvB"},
	{"blockmintxfee", 0, 1, "BTC/kvB"},
	{"maxmempool", minMaxMempoolMB, 1 << 20, "megabytes"},
	{"mempoolexpiry", 1, 10 * 365 * 24, "hours"},
	// An OP_RETURN output larger than a block cannot be mined.
	{"datacarriersize", 0, maxBlockWeight, "bytes"},
	{"blockmaxweight", minBlockMaxWeight, maxBlockWeight, "weight units"},
	{"dbcache", minDBCacheMB, 1 << 20, "MiB"},
	// ZMQ high-water marks: messages queued per socket, 0 for no limit.
	{"zmqpubhashblockhwm", 0, 1 << 24, "messages"},
	{"zmqpubhashtxhwm", 0, 1 << 24, "messages"},
	{"zmqpubrawblockhwm", 0, 1 << 24, "messages"},
	{"zmqpubrawtxhwm", 0, 1 << 24, "messages"},
	{"zmqpubsequencehwm", 0, 1 << 24, "messages"},
}

// configField returns the config field whose long name is name.
func configField(name string) (reflect.StructField, bool) {
	t := reflect.TypeOf(config{})
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Tag.Get("long") == name {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// longName returns the long name of the option whose short name is short.
func longName(short string) string {
	t := reflect.TypeOf(config{})
	for i := 0; i < t.NumField(); i++ {
		if f := t.Field(i); f.Tag.Get("short") == short {
			return f.Tag.Get("long")
		}
	}
	return short
}

// durationType is the type of the duration options.
var durationType = reflect.TypeOf(time.Duration(0))

// accepts says what the option accepts, for messages.
func (o numericOption) accepts() string {
	f, _ := configField(o.name)
	switch {
	case f.Type == durationType:
		return fmt.Sprintf("a duration from %s to %s (e.g. 24h or 30m)",
			shortDuration(time.Duration(o.min*float64(time.Second))),
			shortDuration(time.Duration(o.max*float64(time.Second))))
	case f.Type.Kind() == reflect.Float64:
		return fmt.Sprintf("a fee rate in %s from %v to %v (e.g. 0.00001 for 1 sat/vB)", o.what,
			o.min, o.max)
	}
	return fmt.Sprintf("a whole number from %.0f to %.0f (%s)", o.min, o.max, o.what)
}

// shortDuration prints d without trailing zero units (87600h, not
// 87600h0m0s).
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// check returns an error naming the option when its value in cfg is out
// of range.
func (o numericOption) check(cfg *config) error {
	f, ok := configField(o.name)
	if !ok {
		return fmt.Errorf("internal error: no option %q", o.name)
	}
	v := reflect.ValueOf(cfg).Elem().FieldByIndex(f.Index)
	var x float64
	var shown string
	switch {
	case f.Type == durationType:
		d := time.Duration(v.Int())
		x, shown = d.Seconds(), d.String()
	case v.CanInt():
		x, shown = float64(v.Int()), strconv.FormatInt(v.Int(), 10)
	case v.CanFloat():
		x, shown = v.Float(), strconv.FormatFloat(v.Float(), 'g', -1, 64)
	default:
		return fmt.Errorf("internal error: option %q is not numeric", o.name)
	}
	if x != x || x < o.min || x > o.max {
		return fmt.Errorf("--%s=%s: out of range; give %s", o.name, shown, o.accepts())
	}
	return nil
}

// checkRanges checks every numeric option's range. args is the command
// line: a value it does not set came from the conf file, which the error
// then names too.
func checkRanges(cfg *config, args []string) error {
	for _, o := range numericOptions {
		if err := o.check(cfg); err != nil {
			if _, onCommandLine := argValue(args, o.name); !onCommandLine && cfg.ConfigFile != "" {
				return fmt.Errorf("config file %s: %w", cfg.ConfigFile, err)
			}
			return err
		}
	}
	return nil
}

// valueError describes a value of the named option that does not parse
// as the option's type, saying what the option accepts.
func valueError(name, value string) error {
	for _, o := range numericOptions {
		if o.name == name {
			return fmt.Errorf("--%s=%q: not valid; give %s", name, value, o.accepts())
		}
	}
	if f, ok := configField(name); ok && f.Type.Kind() == reflect.Bool {
		return fmt.Errorf("--%s=%q: not a switch value; give 1 or 0 (true or false), or leave "+
			"the option out", name, value)
	}
	return fmt.Errorf("--%s=%q: not a valid value%s", name, value, usageHint)
}

// flagNameRE finds the option in a go-flags message ("flag `--maxpeers'").
var flagNameRE = regexp.MustCompile("`-{1,2}([^'`]+)'")

// flagValueError rewrites a go-flags command-line error about a value
// (ErrMarshal: a value of the wrong type; ErrNoArgumentForBool: a value
// given to a switch) so that it names the option and what it accepts.
func flagValueError(ferr *flags.Error, args []string) (error, bool) {
	m := flagNameRE.FindStringSubmatch(ferr.Message)
	if m == nil {
		return nil, false
	}
	name := m[1]
	if len(name) == 1 {
		name = longName(name)
	}
	if ferr.Type == flags.ErrNoArgumentForBool {
		return fmt.Errorf("--%s takes no value: give --%s alone to turn it on (in the conf "+
			"file, %s=1)", name, name, name), true
	}
	value, _ := argValue(args, name)
	return valueError(name, value), true
}

// argValue returns the value given to option name on the command line
// (the last one: --name=value, -name=value or --name value).
func argValue(args []string, name string) (string, bool) {
	value, found := "", false
	for i, a := range args {
		if a == "--" {
			break
		}
		trimmed := strings.TrimLeft(a, "-")
		if trimmed == a {
			continue
		}
		if v, ok := strings.CutPrefix(trimmed, name+"="); ok {
			value, found = v, true
		} else if trimmed == name && i+1 < len(args) {
			value, found = args[i+1], true
		}
	}
	return value, found
}

// iniValueError rewrites a go-flags conf-file error about a value so that
// it names the option as well as the file and line. It reads the line
// again to find the option.
func iniValueError(ierr *flags.IniError) (error, bool) {
	name, value, ok := iniLine(ierr.File, int(ierr.LineNumber))
	if !ok {
		return nil, false
	}
	if _, known := configField(name); !known {
		return nil, false
	}
	return fmt.Errorf("config file %s line %d: %w", ierr.File, ierr.LineNumber,
		valueError(name, value)), true
}

// iniLine returns the option name and value on line n of a conf file.
func iniLine(path string, n int) (name, value string, ok bool) {
	f, err := os.Open(path)
	if err != nil {
		return "", "", false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for i := 1; sc.Scan(); i++ {
		if i != n {
			continue
		}
		name, value, ok = strings.Cut(sc.Text(), "=")
		if !ok {
			return "", "", false
		}
		value = strings.TrimSpace(value)
		if uq, err := strconv.Unquote(value); err == nil {
			value = uq
		}
		return strings.ToLower(strings.TrimSpace(name)), value, true
	}
	return "", "", false
}

// escapeUnprintable escapes control characters and bytes that are not
// UTF-8 (as Go's string literals do: \x01, \xff), so that a message
// quoting a conf file or an argument cannot carry binary junk to the
// terminal or the log.
func escapeUnprintable(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case !unicode.IsPrint(r) && r != ' ':
			q := strconv.QuoteRuneToASCII(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// escapedError is an error whose message has been made printable; it
// unwraps to the original.
type escapedError struct {
	msg string
	err error
}

func (e escapedError) Error() string { return e.msg }
func (e escapedError) Unwrap() error { return e.err }

// escapeError returns err with its message made printable.
func escapeError(err error) error {
	if err == nil || errors.Is(err, errExitZero) {
		return err
	}
	msg := escapeUnprintable(err.Error())
	if msg == err.Error() {
		return err
	}
	return escapedError{msg: msg, err: err}
}
