package psbt

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/wire"
)

// vectors is testdata/psbt.txt.
type vectors struct {
	cases      []vectorCase
	roles      map[string][]byte
	creatorIn  [][2]string
	creatorOut [][2]string
}

// vectorCase is one decode or lock time vector.
type vectorCase struct {
	bip, name, kind string
	raw             []byte
}

// loadVectors reads the BIP 174 and 370 vectors; it fails the test when
// the file yields none.
func loadVectors(t testing.TB) *vectors {
	t.Helper()
	f, err := os.Open("testdata/psbt.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	v := &vectors{roles: map[string][]byte{}}
	bip, name := "", ""
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		fields := strings.Fields(line)
		switch {
		case strings.HasPrefix(line, "# BIP "):
			bip = fields[2]
		case strings.HasPrefix(line, "## "):
			name = line[3:]
		case fields[0] == "creator_in":
			v.creatorIn = append(v.creatorIn, [2]string{fields[1], fields[2]})
		case fields[0] == "creator_out":
			v.creatorOut = append(v.creatorOut, [2]string{fields[1], fields[2]})
		case fields[0] == "role":
			v.roles[fields[1]] = mustHex(t, fields[2])
		default:
			kind := strings.Join(fields[:len(fields)-1], " ")
			v.cases = append(v.cases, vectorCase{bip: bip, name: name, kind: kind,
				raw: mustHex(t, fields[len(fields)-1])})
		}
	}
	if len(v.cases) == 0 || len(v.roles) == 0 {
		t.Fatal("no PSBT vectors")
	}
	return v
}

func mustHex(t testing.TB, s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestBIPVectors decodes every BIP 174 and 370 vector: invalid ones are
// refused with a PSBT Error, valid ones encode again byte for byte (and
// their base64 form decodes the same), and lock times are BIP 370's.
func TestBIPVectors(t *testing.T) {
	counts := map[string]int{}
	for i, c := range loadVectors(t).cases {
		t.Run("BIP"+c.bip+"/"+strconv.Itoa(i)+"/"+c.name, func(t *testing.T) {
			p, err := Decode(c.raw)
			if c.kind == "invalid" {
				if err == nil {
					t.Fatalf("accepted invalid PSBT")
				}
				var pe Error
				if !errors.As(err, &pe) {
					t.Fatalf("error %v is not a psbt.Error", err)
				}
				counts["invalid"]++
				return
			}
			if err != nil {
				t.Fatalf("refused valid PSBT: %v", err)
			}
			if got := p.Encode(); !bytes.Equal(got, c.raw) {
				t.Fatalf("re-encoded\n%x\nwant\n%x", got, c.raw)
			}
			p64, err := DecodeBase64(base64.StdEncoding.EncodeToString(c.raw))
			if err != nil || p64.Base64() != base64.StdEncoding.EncodeToString(c.raw) {
				t.Fatalf("base64 round trip: %v", err)
			}
			if lt, ok := strings.CutPrefix(c.kind, "locktime "); ok {
				got, computed := p.LockTime()
				if lt == "none" {
					if computed {
						t.Fatalf("lock time %d computed, want none", got)
					}
				} else if want, _ := strconv.ParseUint(lt, 10, 32); !computed || got != uint32(want) {
					t.Fatalf("lock time %d (%v), want %s", got, computed, lt)
				}
			}
			counts[c.kind]++
		})
	}
	t.Logf("vectors: %v", counts)
}

// TestRoles replays BIP 174's walk through the roles that need no keys:
// creator, combiner, finalizer, extractor and the combiner of unknown
// pairs.
func TestRoles(t *testing.T) {
	v := loadVectors(t)
	decode := func(name string) *Packet {
		p, err := Decode(v.roles[name])
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return p
	}
	t.Run("creator", func(t *testing.T) {
		tx := wire.NewMsgTx(2)
		for _, in := range v.creatorIn {
			h, _ := chainhash.NewHashFromStr(in[0])
			idx, _ := strconv.Atoi(in[1])
			tx.AddTxIn(wire.NewTxIn(wire.NewOutPoint(h, uint32(idx)), nil, nil))
		}
		for _, out := range v.creatorOut {
			amt, _ := strconv.ParseFloat(out[1], 64)
			tx.AddTxOut(wire.NewTxOut(int64(amt*1e8+0.5), mustHex(t, out[0])))
		}
		if got := New(tx).Encode(); !bytes.Equal(got, v.roles["creator"]) {
			t.Fatalf("created\n%x\nwant\n%x", got, v.roles["creator"])
		}
	})
	t.Run("combiner", func(t *testing.T) {
		c, err := Combine([]*Packet{decode("signer1"), decode("signer2")})
		if err != nil {
			t.Fatal(err)
		}
		if got := c.Encode(); !bytes.Equal(got, v.roles["combined"]) {
			t.Fatalf("combined\n%x\nwant\n%x", got, v.roles["combined"])
		}
	})
	t.Run("finalizer", func(t *testing.T) {
		p := decode("combined")
		if !p.Finalize() {
			t.Fatal("not complete")
		}
		if got := p.Encode(); !bytes.Equal(got, v.roles["finalized"]) {
			t.Fatalf("finalized\n%x\nwant\n%x", got, v.roles["finalized"])
		}
	})
	t.Run("extractor", func(t *testing.T) {
		tx, err := decode("finalized").Extract()
		if err != nil {
			t.Fatal(err)
		}
		if got := tx.Bytes(); !bytes.Equal(got, v.roles["extracted"]) {
			t.Fatalf("extracted\n%x\nwant\n%x", got, v.roles["extracted"])
		}
	})
	t.Run("unknown combiner", func(t *testing.T) {
		c, err := Combine([]*Packet{decode("unknown1"), decode("unknown2")})
		if err != nil {
			t.Fatal(err)
		}
		if got := c.Encode(); !bytes.Equal(got, v.roles["unknown_combined"]) {
			t.Fatalf("combined\n%x\nwant\n%x", got, v.roles["unknown_combined"])
		}
	})
	t.Run("incompatible", func(t *testing.T) {
		_, err := Combine([]*Packet{decode("signer1"), decode("unknown1")})
		if !errors.Is(err, ErrIncompatible) {
			t.Fatalf("err = %v", err)
		}
	})
}

// TestErrorKinds checks that each failure carries its kind.
func TestErrorKinds(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		kind ErrorKind
	}{
		{"magic", []byte("psbx\xff\x00"), ErrInvalidMagic},
		{"truncated", []byte("psbt\xff\x01"), ErrMalformed},
		{"no tx", []byte("psbt\xff\x00"), ErrMissingField},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Decode(tc.in); !errors.Is(err, tc.kind) {
				t.Fatalf("err = %v, want %v", err, tc.kind)
			}
		})
	}
}

// FuzzDecode checks that no input panics the decoder and that whatever
// decodes encodes to the same bytes.
func FuzzDecode(f *testing.F) {
	v := loadVectors(f)
	for _, c := range v.cases {
		f.Add(c.raw)
	}
	for _, r := range v.roles {
		f.Add(r)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := Decode(b)
		if err != nil {
			return
		}
		if !bytes.Equal(p.Encode(), b) {
			t.Fatalf("round trip changed %x", b)
		}
		p.UnsignedTx()
		p.Finalize()
	})
}

// BenchmarkDecode measures decoding the BIP 174 combined PSBT, the work
// of decodepsbt before its JSON.
func BenchmarkDecode(b *testing.B) {
	raw := loadVectors(b).roles["combined"]
	b.ReportAllocs()
	b.SetBytes(int64(len(raw)))
	for i := 0; i < b.N; i++ {
		if _, err := Decode(raw); err != nil {
			b.Fatal(err)
		}
	}
}
