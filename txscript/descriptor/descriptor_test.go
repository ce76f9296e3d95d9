package descriptor

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/tern-org/ternd/chaincfg"
)

// vector is one descriptor test vector from testdata/descriptors.txt.
type vector struct {
	bip     string
	desc    string
	valid   bool
	scripts map[uint32][]string
}

// loadVectors reads the BIP 380-386 vectors and fails the test when the
// file yields none.
func loadVectors(t testing.TB) []*vector {
	t.Helper()
	f, err := os.Open("testdata/descriptors.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []*vector
	bip := ""
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "# BIP "):
			bip = strings.TrimPrefix(line, "# BIP ")
		case strings.HasPrefix(line, "valid "):
			out = append(out, &vector{bip: bip, desc: line[6:], valid: true,
				scripts: map[uint32][]string{}})
		case strings.HasPrefix(line, "invalid "):
			out = append(out, &vector{bip: bip, desc: line[8:]})
		case strings.HasPrefix(line, "pos "):
			f := strings.Fields(line)
			pos, _ := strconv.Atoi(f[1])
			out[len(out)-1].scripts[uint32(pos)] = f[2:]
		}
	}
	if len(out) == 0 {
		t.Fatal("no descriptor vectors")
	}
	return out
}

// TestBIPVectors checks every BIP 380-386 vector: valid descriptors parse
// and expand to the given scripts at each position, and their public form
// parses again to the same scripts; invalid ones are refused.
func TestBIPVectors(t *testing.T) {
	params := &chaincfg.MainNetParams
	var valid, invalid, scripts int
	for _, v := range loadVectors(t) {
		name := "BIP" + v.bip + "/" + v.desc
		if len(name) > 80 {
			name = name[:80]
		}
		t.Run(name, func(t *testing.T) {
			d, err := Parse(v.desc, params, false)
			if !v.valid {
				if err == nil {
					t.Fatalf("accepted invalid descriptor %s", v.desc)
				}
				var de Error
				if !errors.As(err, &de) {
					t.Fatalf("error %v is not a descriptor Error", err)
				}
				invalid++
				return
			}
			if err != nil {
				t.Fatalf("refused valid descriptor: %v", err)
			}
			valid++
			again, err := Parse(d.String(), params, true)
			if err != nil {
				t.Fatalf("public form %s does not parse: %v", d.String(), err)
			}
			for pos, want := range v.scripts {
				for _, dd := range []*Descriptor{d, again} {
					got, err := dd.Scripts(pos)
					if err != nil && dd == again && strings.Contains(err.Error(), "hardened") {
						continue // the public form cannot derive hardened steps
					}
					if err != nil {
						t.Fatalf("pos %d: %v", pos, err)
					}
					if len(got) != len(want) {
						t.Fatalf("pos %d: %d scripts, want %d", pos, len(got), len(want))
					}
					for i := range got {
						if hex.EncodeToString(got[i]) != want[i] {
							t.Fatalf("pos %d script %d: %x, want %s", pos, i, got[i], want[i])
						}
					}
				}
				scripts += len(want)
			}
		})
	}
	t.Logf("%d valid (%d scripts), %d invalid vectors", valid, scripts, invalid)
}

// TestChecksum checks a checksum against BIP380 and the errors for bad
// ones.
func TestChecksum(t *testing.T) {
	tests := []struct {
		name, in string
		require  bool
		wantErr  bool
	}{
		{"valid", "raw(deadbeef)#89f8spxm", true, false},
		{"missing required", "raw(deadbeef)", true, true},
		{"missing allowed", "raw(deadbeef)", false, false},
		{"two hashes", "raw(deadbeef)#89f8spxm#x", false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := SplitChecksum(tc.in, tc.require)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if err != nil && !errors.Is(err, ErrChecksum) {
				t.Fatalf("error kind: %v", err)
			}
		})
	}
	if got := AddChecksum("raw(deadbeef)"); got != "raw(deadbeef)#89f8spxm" {
		t.Fatalf("AddChecksum = %s", got)
	}
}

// TestDescriptorInfo checks the public form, range and private key flags.
func TestDescriptorInfo(t *testing.T) {
	params := &chaincfg.MainNetParams
	tests := []struct {
		name, in, public string
		isRange, hasPriv bool
	}{
		{"wif becomes pubkey", "wpkh(L4rK1yDtCWekvXuE6oXD9jCYfFNV2cWRpVuPLBcCU2z8TrisoyY1)",
			"wpkh(03a34b99f22c790c4e36b2b3c2c35a36db06226e41c692fc82b8b56ac1c540c5bd)", false, true},
		{"xprv becomes xpub", "pkh(xprv9s21ZrQH143K31xYSDQpPDxsXRTUcvj2iNHm5NUtrGiGG5e2DtALGdso3pGz6ssrdK4PFmM8NSpSBHNqPqm55Qn3LqFtT2emdEXVYsCzC2U/1/*)",
			"pkh(xpub661MyMwAqRbcFW31YEwpkMuc5THy2PSt5bDMsktWQcFF8syAmRUapSCGu8ED9W6oDMSgv6Zz8idoc4a6mr8BDzTJY47LJhkJ8UB7WEGuduB/1/*)", true, true},
		{"origin apostrophe kept", "pkh([deadbeef/1/2'/3/4']03a34b99f22c790c4e36b2b3c2c35a36db06226e41c692fc82b8b56ac1c540c5bd)",
			"pkh([deadbeef/1/2'/3/4']03a34b99f22c790c4e36b2b3c2c35a36db06226e41c692fc82b8b56ac1c540c5bd)", false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := Parse(tc.in, params, false)
			if err != nil {
				t.Fatal(err)
			}
			if want := AddChecksum(tc.public); d.String() != want {
				t.Fatalf("String = %s, want %s", d.String(), want)
			}
			if d.IsRange() != tc.isRange || d.HasPrivateKeys() != tc.hasPriv {
				t.Fatalf("range %v priv %v", d.IsRange(), d.HasPrivateKeys())
			}
		})
	}
}

// FuzzParse checks that no input panics the parser and that whatever
// parses has a public form that parses again.
func FuzzParse(f *testing.F) {
	for _, v := range loadVectors(f) {
		f.Add(v.desc)
	}
	params := &chaincfg.MainNetParams
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > 4096 {
			return
		}
		d, err := Parse(s, params, false)
		if err != nil {
			return
		}
		if _, err := Parse(d.String(), params, true); err != nil {
			t.Fatalf("public form %q of %q does not parse: %v", d.String(), s, err)
		}
		d.Scripts(0)
	})
}

// BenchmarkParseExpand measures parsing and expanding a ranged wpkh()
// descriptor, deriveaddresses' work per address.
func BenchmarkParseExpand(b *testing.B) {
	params := &chaincfg.MainNetParams
	s := "wpkh([ffffffff/13']xpub69H7F5d8KSRgmmdJg2KhpAK8SR3DjMwAdkxj3ZuxV27CprR9LgpeyGmXUbC6wb7ERfvrnKZjXoUmmDznezpbZb7ap6r1D3tgFxHmwMkQTPH/1/2/*)"
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		d, err := Parse(s, params, false)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := d.Scripts(uint32(i)); err != nil {
			b.Fatal(err)
		}
	}
}

// TestExpand checks the redeem and witness scripts of wrapped
// descriptors.
func TestExpand(t *testing.T) {
	params := &chaincfg.MainNetParams
	pub := "03a34b99f22c790c4e36b2b3c2c35a36db06226e41c692fc82b8b56ac1c540c5bd"
	tests := []struct {
		name           string
		desc           string
		redeem, wscrpt bool
	}{
		{"sh(wsh(multi))", "sh(wsh(multi(1," + pub + ")))", true, true},
		{"sh(wpkh)", "sh(wpkh(" + pub + "))", true, false},
		{"wsh(pk)", "wsh(pk(" + pub + "))", false, true},
		{"pkh", "pkh(" + pub + ")", false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := Parse(tc.desc, params, false)
			if err != nil {
				t.Fatal(err)
			}
			ex, err := d.Expand(0)
			if err != nil || len(ex) != 1 {
				t.Fatalf("Expand: %v %v", ex, err)
			}
			e := ex[0]
			if (e.RedeemScript != nil) != tc.redeem || (e.WitnessScript != nil) != tc.wscrpt {
				t.Fatalf("expansion %+v", e)
			}
			if e.WitnessScript != nil {
				h := sha256.Sum256(e.WitnessScript)
				inner := e.Script
				if e.RedeemScript != nil {
					inner = e.RedeemScript
				}
				if !bytes.Equal(inner[2:], h[:]) {
					t.Fatalf("witness script does not hash to the program")
				}
			}
		})
	}
}

// TestStringAt checks the concrete descriptor of a ranged one: the derived
// key with its origin, parsing again to the same script.
func TestStringAt(t *testing.T) {
	params := &chaincfg.MainNetParams
	d, err := Parse("wpkh([ffffffff/13']xpub69H7F5d8KSRgmmdJg2KhpAK8SR3DjMwAdkxj3ZuxV27CprR9LgpeyGmXUbC6wb7ERfvrnKZjXoUmmDznezpbZb7ap6r1D3tgFxHmwMkQTPH/1/2/*)", params, false)
	if err != nil {
		t.Fatal(err)
	}
	s, err := d.StringAt(1)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(s, "wpkh([ffffffff/13h/1/2/1]") {
		t.Fatalf("StringAt(1) = %s", s)
	}
	again, err := Parse(s, params, true)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := d.Scripts(1)
	got, _ := again.Scripts(0)
	if !bytes.Equal(want[0], got[0]) {
		t.Fatalf("concrete descriptor pays %x, want %x", got[0], want[0])
	}
	// Keys without a range print as given.
	d, _ = Parse("pkh(03a34b99f22c790c4e36b2b3c2c35a36db06226e41c692fc82b8b56ac1c540c5bd)", params, false)
	if s, _ := d.StringAt(0); s != d.String() {
		t.Fatalf("StringAt of a constant key = %s, want %s", s, d.String())
	}
}

// BenchmarkScriptsRange measures expanding a parsed ranged descriptor at
// successive positions, deriveaddresses' and scantxoutset's work per
// position once the parent key is derived.
func BenchmarkScriptsRange(b *testing.B) {
	params := &chaincfg.MainNetParams
	d, err := Parse("wpkh([ffffffff/13']xpub69H7F5d8KSRgmmdJg2KhpAK8SR3DjMwAdkxj3ZuxV27CprR9LgpeyGmXUbC6wb7ERfvrnKZjXoUmmDznezpbZb7ap6r1D3tgFxHmwMkQTPH/1/2/*)", params, false)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := d.Scripts(uint32(i)); err != nil {
			b.Fatal(err)
		}
	}
}
