package coreconf

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// Section names of Bitcoin Core's networks, as they appear in brackets.
const (
	SectionMain     = "main"
	SectionTest     = "test"
	SectionTestnet4 = "testnet4"
	SectionSignet   = "signet"
	SectionRegtest  = "regtest"
)

// maxFileBytes bounds what Parse reads: a conf file is a few kilobytes.
const maxFileBytes = 1 << 20

// sections maps each network section to the option that selects it.
var sections = map[string]string{
	SectionMain:     "",
	SectionTest:     "testnet",
	SectionTestnet4: "testnet4",
	SectionSignet:   "signet",
	SectionRegtest:  "regtest",
}

// goFlagsGroup is the section header go-flags writes for its top-level
// options; it is read as the top level.
const goFlagsGroup = "application options"

// Line is one option line of a file.
type Line struct {
	// Num is the line's number in the file, from 1.
	Num int
	// Section is the network section the line is in ("" at the top).
	Section string
	// Key and Value are the option's name and value, trimmed. A line
	// without '=' has HasValue false and Value "".
	Key, Value string
	HasValue   bool
}

// File is a parsed configuration file.
type File struct {
	// Lines are the option lines in file order.
	Lines []Line
	// NumLines is the number of lines the file had.
	NumLines int
}

// Error is a line Parse could not read: an unknown section.
type Error struct {
	Line int
	Msg  string
}

func (e *Error) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

// Parse reads r (at most 1 MiB) into its option lines. A section header
// other than the five networks' and go-flags' is an *Error.
func Parse(r io.Reader) (*File, error) {
	f := &File{}
	sc := bufio.NewScanner(io.LimitReader(r, maxFileBytes))
	sc.Buffer(make([]byte, 0, 4096), maxFileBytes)
	section := ""
	for sc.Scan() {
		f.NumLines++
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		if line[0] == '[' {
			name, ok := strings.CutSuffix(line[1:], "]")
			name = strings.TrimSpace(name)
			if _, known := sections[name]; ok && known {
				section = name
				continue
			}
			if ok && strings.EqualFold(name, goFlagsGroup) {
				section = ""
				continue
			}
			return nil, &Error{Line: f.NumLines, Msg: fmt.Sprintf("unknown section %s; use [main], "+
				"[test], [testnet4], [signet] or [regtest]", line)}
		}
		k, v, has := strings.Cut(line, "=")
		f.Lines = append(f.Lines, Line{Num: f.NumLines, Section: section,
			Key: strings.TrimSpace(k), Value: strings.TrimSpace(v), HasValue: has})
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return f, nil
}

// IsTrue reports whether a boolean option's value is set: Core's "1"
// (and a bare option, or "true", as go-flags reads it).
func IsTrue(l Line) bool {
	return !l.HasValue || l.Value == "1" || strings.EqualFold(l.Value, "true")
}

// Network returns the section of the network the file's top level selects
// (testnet=1 → "test", regtest=1 → "regtest", chain=signet → "signet"),
// or "" when it selects none. More than one yields the last; the caller's
// validation refuses the combination. Lines in sections do not select a
// network, as in Core.
func (f *File) Network() string {
	net := ""
	for _, l := range f.Lines {
		if l.Section != "" {
			continue
		}
		if l.Key == "chain" {
			if _, ok := sections[l.Value]; ok {
				net = l.Value
			}
			continue
		}
		for sec, opt := range sections {
			if opt != "" && l.Key == opt && IsTrue(l) {
				net = sec
			}
		}
	}
	return net
}

// Select returns the lines that apply to the network whose section is
// network ("" means main): the top level's, then those of its section in
// file order, with network.option lines at the top level renamed to
// option. Lines for other networks are left out.
func (f *File) Select(network string) []Line {
	if network == "" {
		network = SectionMain
	}
	var out []Line
	for _, l := range f.Lines {
		if l.Section != "" {
			if l.Section == network {
				out = append(out, l)
			}
			continue
		}
		if prefix, rest, ok := strings.Cut(l.Key, "."); ok {
			if _, isNet := sections[prefix]; isNet {
				if prefix == network {
					l.Key = rest
					out = append(out, l)
				}
				continue
			}
		}
		out = append(out, l)
	}
	return out
}
