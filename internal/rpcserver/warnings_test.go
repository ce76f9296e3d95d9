package rpcserver

import (
	"encoding/json"
	"testing"
)

// TestWarningsShape checks the "warnings" member of the info methods: an
// array (Core v28 and later), or one string with WarningsAsString (Core's
// -deprecatedrpc=warnings).
func TestWarningsShape(t *testing.T) {
	for _, asString := range []bool{false, true} {
		e := newHandlerEnv(t, regtestParams(t), func(_ *handlerEnv, cfg *Config) { cfg.WarningsAsString = asString })
		for _, method := range []string{"getblockchaininfo", "getmininginfo", "getnetworkinfo"} {
			raw, rerr := e.call(t, method)
			if rerr != nil {
				t.Fatalf("%s: %v", method, rerr)
			}
			var r struct {
				Warnings json.RawMessage `json:"warnings"`
			}
			json.Unmarshal(raw, &r)
			want := `[]`
			if asString {
				want = `""`
			}
			if string(r.Warnings) != want {
				t.Errorf("%s (as string %v): warnings %s, want %s", method, asString, r.Warnings, want)
			}
		}
	}
}
