package coreconf

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParseAndSelect(t *testing.T) {
	const file = `# comment
rpcuser=alice
regtest.rpcport=28443
[Application Options]
maxpeers=8
[regtest]
rpcport=18443
listen=127.0.0.1:18444
[test]
rpcport=18332
; comment
[main]
rpcport=8332
`
	f, err := Parse(strings.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	if f.NumLines != 13 {
		t.Fatalf("NumLines %d", f.NumLines)
	}
	keys := func(ls []Line) []string {
		var out []string
		for _, l := range ls {
			out = append(out, l.Key+"="+l.Value)
		}
		return out
	}
	tests := []struct {
		network string
		want    []string
	}{
		{"regtest", []string{"rpcuser=alice", "rpcport=28443", "maxpeers=8", "rpcport=18443",
			"listen=127.0.0.1:18444"}},
		{"test", []string{"rpcuser=alice", "maxpeers=8", "rpcport=18332"}},
		{"", []string{"rpcuser=alice", "maxpeers=8", "rpcport=8332"}},
		{"signet", []string{"rpcuser=alice", "maxpeers=8"}},
	}
	for _, tc := range tests {
		t.Run("select "+tc.network, func(t *testing.T) {
			if got := keys(f.Select(tc.network)); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
	if got := f.Select("regtest")[3].Num; got != 7 {
		t.Fatalf("line number %d, want 7", got)
	}
}

func TestNetwork(t *testing.T) {
	tests := []struct {
		name, file, want string
	}{
		{"none", "rpcuser=a\n", ""},
		{"regtest", "regtest=1\n", "regtest"},
		{"testnet is test", "testnet=1\n", "test"},
		{"off", "regtest=0\n", ""},
		{"chain option", "chain=signet\n", "signet"},
		{"in a section it does not select", "[regtest]\nregtest=1\n", ""},
		{"testnet4", "testnet4=true\n", "testnet4"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Parse(strings.NewReader(tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if got := f.Network(); got != tc.want {
				t.Fatalf("Network() = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, file string
		line       int
	}{
		{"unknown section", "a=1\n[regtset]\n", 2},
		{"unclosed", "[regtest\n", 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tc.file))
			var e *Error
			if !errors.As(err, &e) || e.Line != tc.line || !strings.Contains(e.Msg, "[regtest]") {
				t.Fatalf("err %v, want an *Error at line %d naming the sections", err, tc.line)
			}
		})
	}
}
