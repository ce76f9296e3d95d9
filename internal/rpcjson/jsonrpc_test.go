package rpcjson

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseRequest(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		code    RPCErrorCode // 0 = success
		version Version
		hasID   bool
		method  string
		params  string
	}{
		{"legacy", `{"method":"uptime","params":[],"id":1}`, 0, VersionLegacy, true, "uptime", `[]`},
		{"legacy explicit", `{"jsonrpc":"1.0","method":"m","id":"x"}`, 0, VersionLegacy, true, "m", `[]`},
		{"v2", `{"jsonrpc":"2.0","method":"m","params":{"a":1},"id":7}`, 0, Version2, true, "m", `{"a":1}`},
		{"v2 notification", `{"jsonrpc":"2.0","method":"m"}`, 0, Version2, false, "m", `[]`},
		{"null params", `{"method":"m","params":null,"id":1}`, 0, VersionLegacy, true, "m", `[]`},
		{"not object", `[1]`, ErrRPCInvalidRequest, VersionLegacy, true, "", ""},
		{"number", `5`, ErrRPCInvalidRequest, VersionLegacy, true, "", ""},
		{"bad version type", `{"jsonrpc":2,"method":"m","id":1}`, ErrRPCInvalidRequest, VersionLegacy, true, "", ""},
		{"bad version", `{"jsonrpc":"3.0","method":"m","id":1}`, ErrRPCInvalidRequest, VersionLegacy, true, "", ""},
		{"missing method", `{"jsonrpc":"2.0","id":1}`, ErrRPCInvalidRequest, Version2, true, "", ""},
		{"method not string", `{"method":5,"id":1}`, ErrRPCInvalidRequest, VersionLegacy, true, "", ""},
		{"params scalar", `{"method":"m","params":"x","id":1}`, ErrRPCInvalidRequest, VersionLegacy, true, "m", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, rerr := ParseRequest([]byte(tc.in))
			if req == nil {
				t.Fatal("nil request")
			}
			if tc.code != 0 {
				if rerr == nil || rerr.Code != tc.code {
					t.Fatalf("got %v, want code %d", rerr, tc.code)
				}
			} else if rerr != nil {
				t.Fatalf("unexpected error %v", rerr)
			}
			if req.Version != tc.version || req.HasID != tc.hasID {
				t.Fatalf("version %v hasID %v", req.Version, req.HasID)
			}
			if tc.code == 0 && (req.Method != tc.method || string(req.Params) != tc.params) {
				t.Fatalf("method %q params %s", req.Method, req.Params)
			}
		})
	}
}

func TestNewResponse(t *testing.T) {
	rerr := NewRPCError(ErrRPCMethodNotFound, "Method not found")
	tests := []struct {
		name   string
		v      Version
		id     json.RawMessage
		result json.RawMessage
		err    *RPCError
		want   string
	}{
		{"legacy ok", VersionLegacy, json.RawMessage(`1`), json.RawMessage(`5`), nil,
			`{"result":5,"error":null,"id":1}`},
		{"legacy err", VersionLegacy, json.RawMessage(`"a"`), nil, rerr,
			`{"result":null,"error":{"code":-32601,"message":"Method not found"},"id":"a"}`},
		{"legacy no id", VersionLegacy, nil, json.RawMessage(`true`), nil,
			`{"result":true,"error":null}`},
		{"v2 ok", Version2, json.RawMessage(`1`), nil, nil,
			`{"jsonrpc":"2.0","result":null,"id":1}`},
		{"v2 err", Version2, json.RawMessage(`null`), nil, rerr,
			`{"jsonrpc":"2.0","error":{"code":-32601,"message":"Method not found"},"id":null}`},
	}
	for _, tc := range tests {
		got := string(NewResponse(tc.v, tc.id, tc.result, tc.err))
		if got != tc.want {
			t.Errorf("%s: got %s want %s", tc.name, got, tc.want)
		}
		if _, err := ParseResponse([]byte(got)); err != nil {
			t.Errorf("%s: does not parse back: %v", tc.name, err)
		}
	}
}

func TestMapParams(t *testing.T) {
	names := []string{"a", "b", "c"}
	tests := []struct {
		name string
		in   string
		want string
		code RPCErrorCode
	}{
		{"positional", `[1,2]`, `[1,2]`, 0},
		{"named all", `{"c":3,"a":1,"b":2}`, `[1,2,3]`, 0},
		{"named gap", `{"c":3}`, `[null,null,3]`, 0},
		{"named trailing null dropped", `{"a":1,"c":null}`, `[1]`, 0},
		{"args positional", `{"args":[1],"b":2}`, `[1,2]`, 0},
		{"unknown", `{"a":1,"zz":2}`, ``, ErrRPCInvalidParameter},
		{"twice", `{"args":[1],"a":2}`, ``, ErrRPCInvalidParameter},
		{"args not array", `{"args":1}`, ``, ErrRPCInvalidParameter},
		{"scalar", `1`, ``, ErrRPCInvalidRequest},
	}
	for _, tc := range tests {
		got, rerr := MapParams(json.RawMessage(tc.in), names)
		if tc.code != 0 {
			if rerr == nil || rerr.Code != tc.code {
				t.Errorf("%s: got %v want code %d", tc.name, rerr, tc.code)
			}
			continue
		}
		if rerr != nil {
			t.Errorf("%s: %v", tc.name, rerr)
			continue
		}
		b, _ := json.Marshal(got)
		if string(b) != tc.want {
			t.Errorf("%s: got %s want %s", tc.name, b, tc.want)
		}
	}
}

func TestMethodHelpAndCheck(t *testing.T) {
	m := &Method{Name: "getblock", Help: "Returns a block.",
		Params: []ParamSpec{{Name: "blockhash", Type: "string"}, {Name: "verbosity", Optional: true, Type: "numeric"}}}
	if got := m.Synopsis(); got != `getblock "blockhash" ( verbosity )` {
		t.Fatalf("synopsis %q", got)
	}
	if !strings.HasSuffix(m.FullHelp(), "\n\nReturns a block.") {
		t.Fatalf("help %q", m.FullHelp())
	}
	raw := func(s ...string) []json.RawMessage {
		var out []json.RawMessage
		for _, x := range s {
			out = append(out, json.RawMessage(x))
		}
		return out
	}
	if m.CheckParams(raw(`"h"`)) != nil || m.CheckParams(raw(`"h"`, `1`)) != nil {
		t.Fatal("valid params rejected")
	}
	for _, bad := range [][]json.RawMessage{nil, raw(`null`), raw(`"h"`, `1`, `2`)} {
		if e := m.CheckParams(bad); e == nil || e.Code != ErrRPCMisc {
			t.Fatalf("bad params %s accepted: %v", bad, e)
		}
	}
}

func TestUnmarshalParam(t *testing.T) {
	params := []json.RawMessage{json.RawMessage(`"x"`), json.RawMessage(`null`), json.RawMessage(`5`)}
	var s string
	if ok, err := UnmarshalParam(params, 0, "s", &s); !ok || err != nil || s != "x" {
		t.Fatalf("string: %v %v %q", ok, err, s)
	}
	var n int
	if ok, err := UnmarshalParam(params, 1, "n", &n); ok || err != nil {
		t.Fatal("null counted as present")
	}
	if ok, err := UnmarshalParam(params, 9, "n", &n); ok || err != nil {
		t.Fatal("missing counted as present")
	}
	_, err := UnmarshalParam(params, 0, "n", &n)
	var rerr *RPCError
	if !errors.As(err, &rerr) || rerr.Code != ErrRPCType ||
		rerr.Message != "JSON value of type string for field n is not of expected type number" {
		t.Fatalf("type error: %v", err)
	}
}

func TestAsRPCError(t *testing.T) {
	if e := AsRPCError(errors.New("boom")); e.Code != ErrRPCMisc || e.Message != "boom" {
		t.Fatalf("%v", e)
	}
	orig := NewRPCError(ErrRPCInvalidParameter, "x")
	if e := AsRPCError(orig); e != orig {
		t.Fatal("RPCError not kept")
	}
}

func TestCookie(t *testing.T) {
	path := filepath.Join(t.TempDir(), CookieFileName)
	user, pass, err := WriteCookie(path)
	if err != nil {
		t.Fatal(err)
	}
	if user != CookieUser || len(pass) != 64 {
		t.Fatalf("cookie %q %q", user, pass)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v err %v", st.Mode(), err)
	}
	u2, p2, err := ReadCookie(path)
	if err != nil || u2 != user || p2 != pass {
		t.Fatalf("read back %q %q %v", u2, p2, err)
	}
	_, pass2, _ := WriteCookie(path)
	if pass2 == pass {
		t.Fatal("secret not fresh")
	}
	if err := DeleteCookie(path); err != nil {
		t.Fatal(err)
	}
	if err := DeleteCookie(path); err != nil {
		t.Fatal("second delete:", err)
	}
	if _, _, err := ReadCookie(path); !errors.Is(err, ErrBadCookie) {
		t.Fatalf("missing cookie: %v", err)
	}
}

func TestErrorKinds(t *testing.T) {
	kinds := []ErrorKind{ErrMalformedRequest, ErrMalformedResponse, ErrBadCookie}
	for _, k := range kinds {
		err := makeError(k, "desc %s", k)
		if !errors.Is(err, k) || err.Error() != "desc "+string(k) || k.Error() != string(k) {
			t.Errorf("kind %s does not unwrap", k)
		}
	}
	bad := filepath.Join(t.TempDir(), "c")
	os.WriteFile(bad, []byte("nocolon"), 0o600)
	if _, _, err := ReadCookie(bad); !errors.Is(err, ErrBadCookie) {
		t.Errorf("bad cookie: %v", err)
	}
	if _, err := ParseResponse([]byte("{")); !errors.Is(err, ErrMalformedResponse) {
		t.Errorf("bad response: %v", err)
	}
}

func FuzzParseRequest(f *testing.F) {
	for _, s := range []string{`{"method":"uptime","params":[],"id":1}`,
		`{"jsonrpc":"2.0","method":"m","params":{"a":1,"args":[2]}}`, `[`, `{"method":1}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		req, rerr := ParseRequest(data)
		if req == nil {
			t.Fatal("nil request")
		}
		if rerr == nil {
			if _, e := MapParams(req.Params, []string{"a", "b"}); e != nil && e.Code == 0 {
				t.Fatal("zero code")
			}
		}
		out := NewResponse(req.Version, req.ID, nil, rerr)
		if !json.Valid(out) {
			t.Fatalf("invalid response %s", out)
		}
	})
}

func BenchmarkParseRequest(b *testing.B) {
	data := []byte(`{"jsonrpc":"2.0","method":"getblock","params":{"blockhash":"00ff","verbosity":1},"id":1}`)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		req, _ := ParseRequest(data)
		MapParams(req.Params, []string{"blockhash", "verbosity"})
	}
}
