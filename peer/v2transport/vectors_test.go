package v2transport

import (
	"bytes"
	"encoding/csv"
	"encoding/hex"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/ellswift"
	"github.com/tern-org/ternd/wire"
)

// loadVectors reads a BIP324 CSV vector file from testdata and returns its
// rows keyed by the header's column names. A file that yields no rows fails
// the test, so a truncated or misplaced file cannot pass silently.
func loadVectors(t testing.TB, name string) []map[string]string {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	records, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if len(records) < 2 {
		t.Fatalf("%s: no vectors", name)
	}
	rows := make([]map[string]string, 0, len(records)-1)
	for _, rec := range records[1:] {
		row := make(map[string]string, len(rec))
		for i, col := range records[0] {
			row[col] = rec[i]
		}
		rows = append(rows, row)
	}
	return rows
}

// unhex decodes a vector's hex field.
func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

// unhex64 decodes a 64-byte ElligatorSwift encoding.
func unhex64(t testing.TB, s string) [EllswiftPubKeyLen]byte {
	t.Helper()
	var out [EllswiftPubKeyLen]byte
	if b := unhex(t, s); copy(out[:], b) != len(out) || len(b) != len(out) {
		t.Fatalf("want %d bytes, got %d", len(out), len(b))
	}
	return out
}

// fieldVal parses a big-endian 32-byte number reduced modulo p.
func fieldVal(b []byte) *btcec.FieldVal {
	var f btcec.FieldVal
	f.SetByteSlice(b)
	f.Normalize()
	return &f
}

// ellswiftDecode maps a 64-byte ElligatorSwift encoding to the x coordinate
// it encodes, BIP324's XSwiftEC(u mod p, t mod p).
func ellswiftDecode(enc [EllswiftPubKeyLen]byte) ([]byte, error) {
	x, err := ellswift.XSwiftEC(fieldVal(enc[:32]), fieldVal(enc[32:]))
	if err != nil {
		return nil, err
	}
	return x.Bytes()[:], nil
}

// TestEllswiftDecodeVectors checks the curve library's decoding, which our
// ECDH relies on, against BIP324's ellswift_decode_test_vectors.csv,
// including the inputs at or above p and the remapped special cases.
func TestEllswiftDecodeVectors(t *testing.T) {
	rows := loadVectors(t, "ellswift_decode_test_vectors.csv")
	for i, row := range rows {
		got, err := ellswiftDecode(unhex64(t, row["ellswift"]))
		if err != nil || !bytes.Equal(got, unhex(t, row["x"])) {
			t.Errorf("vector %d (%s): got %x, %v; want %s", i, row["comment"], got, err, row["x"])
		}
	}
	t.Logf("%d ellswift decode vectors", len(rows))
}

// TestXSwiftECInvVectors checks the inverse map, which generates our public
// key encodings, against xswiftec_inv_test_vectors.csv for all eight cases
// of every row, and that each t found decodes back to x.
func TestXSwiftECInvVectors(t *testing.T) {
	rows := loadVectors(t, "xswiftec_inv_test_vectors.csv")
	for i, row := range rows {
		u, x := unhex(t, row["u"]), unhex(t, row["x"])
		for c := 0; c < 8; c++ {
			want := row["case"+strconv.Itoa(c)+"_t"]
			got := ellswift.XSwiftECInv(fieldVal(u), fieldVal(x), c)
			if want == "" {
				if got != nil {
					t.Errorf("vector %d case %d: got t=%x, want none", i, c, got.Bytes())
				}
				continue
			}
			if got == nil || !bytes.Equal(got.Bytes()[:], unhex(t, want)) {
				t.Errorf("vector %d case %d: got %v, want %s", i, c, got, want)
				continue
			}
			var enc [EllswiftPubKeyLen]byte
			copy(enc[:32], u)
			copy(enc[32:], got.Bytes()[:])
			if back, err := ellswiftDecode(enc); err != nil || !bytes.Equal(back, x) {
				t.Errorf("vector %d case %d: t decodes to %x, %v", i, c, back, err)
			}
		}
	}
	t.Logf("%d xswiftec_inv vectors", len(rows))
}

// TestEphemeralKeyEncodesPubKey checks that our generated encodings decode
// to the x coordinate of the private key's public key.
func TestEphemeralKeyEncodesPubKey(t *testing.T) {
	for i := 0; i < 8; i++ {
		k, err := newEphemeralKey()
		if err != nil {
			t.Fatal(err)
		}
		x, err := ellswiftDecode(k.ellswift)
		if err != nil || !bytes.Equal(x, k.priv.PubKey().SerializeCompressed()[1:]) {
			t.Fatalf("encoding decodes to %x, %v", x, err)
		}
	}
}

// packetVector is one row of packet_encoding_test_vectors.csv.
type packetVector struct {
	row        map[string]string
	idx        int
	priv       *btcec.PrivateKey
	ours       [EllswiftPubKeyLen]byte
	theirs     [EllswiftPubKeyLen]byte
	initiating bool
	contents   []byte
	aad        []byte
	ignore     bool
}

// parsePacketVector decodes a row; in_contents is repeated in_multiply
// times, as the BIP's run_test_vectors.py does.
func parsePacketVector(t *testing.T, row map[string]string) packetVector {
	t.Helper()
	idx, err := strconv.Atoi(row["in_idx"])
	if err != nil {
		t.Fatal(err)
	}
	mult, err := strconv.Atoi(row["in_multiply"])
	if err != nil {
		t.Fatal(err)
	}
	priv, _ := btcec.PrivKeyFromBytes(unhex(t, row["in_priv_ours"]))
	return packetVector{
		row: row, idx: idx, priv: priv,
		ours: unhex64(t, row["in_ellswift_ours"]), theirs: unhex64(t, row["in_ellswift_theirs"]),
		initiating: row["in_initiating"] == "1",
		contents:   bytes.Repeat(unhex(t, row["in_contents"]), mult),
		aad:        unhex(t, row["in_aad"]), ignore: row["in_ignore"] == "1",
	}
}

// TestPacketEncodingVectors replays every row of BIP324's
// packet_encoding_test_vectors.csv: every intermediate value (public key x
// coordinates, ECDH x, shared secret, the four keys, both terminators,
// session id), then in_idx empty packets followed by the vector's packet,
// compared byte for byte with the expected ciphertext (or its tail). A
// session of the other role decrypts the same packets, which checks the
// decoder and its rekeying on the same data.
func TestPacketEncodingVectors(t *testing.T) {
	rows := loadVectors(t, "packet_encoding_test_vectors.csv")
	for i, row := range rows {
		t.Run(strconv.Itoa(i)+"/idx"+row["in_idx"], func(t *testing.T) {
			checkPacketVector(t, parsePacketVector(t, row))
		})
	}
	t.Logf("%d packet encoding vectors", len(rows))
}

// checkPacketVector verifies one packet vector.
func checkPacketVector(t *testing.T, v packetVector) {
	expect := func(name string, got []byte) {
		t.Helper()
		if want := unhex(t, v.row[name]); !bytes.Equal(got, want) {
			t.Fatalf("%s: got %x, want %x", name, got, want)
		}
	}
	expect("mid_x_ours", v.priv.PubKey().SerializeCompressed()[1:])
	xTheirs, err := ellswiftDecode(v.theirs)
	if err != nil {
		t.Fatal(err)
	}
	expect("mid_x_theirs", xTheirs)
	xShared, err := ellswift.EllswiftECDHXOnly(v.theirs, v.priv)
	if err != nil {
		t.Fatal(err)
	}
	expect("mid_x_shared", xShared[:])
	secret, err := sharedSecret(ephemeralKey{priv: v.priv, ellswift: v.ours}, v.theirs, v.initiating)
	if err != nil {
		t.Fatal(err)
	}
	expect("mid_shared_secret", secret[:])

	keys := deriveKeys(secret, wire.MainNet)
	expect("mid_initiator_l", keys.initiatorL[:])
	expect("mid_initiator_p", keys.initiatorP[:])
	expect("mid_responder_l", keys.responderL[:])
	expect("mid_responder_p", keys.responderP[:])
	ours, remote := mustSession(t, secret, v.initiating), mustSession(t, secret, !v.initiating)
	expect("mid_send_garbage_terminator", ours.sendTerminator[:])
	expect("mid_recv_garbage_terminator", ours.recvTerminator[:])
	expect("out_session_id", ours.sessionID[:])
	if remote.sessionID != ours.sessionID || remote.recvTerminator != ours.sendTerminator {
		t.Fatal("the other role derived other values")
	}

	for i := 0; i < v.idx; i++ {
		pkt := ours.send.appendPacket(nil, nil, nil, false)
		if contents, ignore := openPacket(t, &remote.recv, pkt, nil); len(contents) != 0 || ignore {
			t.Fatalf("dummy %d decrypted to %x, ignore %v", i, contents, ignore)
		}
	}
	pkt := ours.send.appendPacket(nil, v.contents, v.aad, v.ignore)
	switch {
	case v.row["out_ciphertext"] != "":
		expect("out_ciphertext", pkt)
	case v.row["out_ciphertext_endswith"] != "":
		tail := len(v.row["out_ciphertext_endswith"]) / 2
		if tail > len(pkt) {
			t.Fatalf("packet of %d bytes is shorter than the expected tail", len(pkt))
		}
		expect("out_ciphertext_endswith", pkt[len(pkt)-tail:])
	default:
		t.Fatal("vector has no expected ciphertext")
	}
	contents, ignore := openPacket(t, &remote.recv, pkt, v.aad)
	if !bytes.Equal(contents, v.contents) || ignore != v.ignore {
		t.Fatalf("decrypted %d bytes (ignore %v), want %d (ignore %v)",
			len(contents), ignore, len(v.contents), v.ignore)
	}
}

// mustSession creates a session or fails the test.
func mustSession(t testing.TB, secret [32]byte, initiator bool) *session {
	t.Helper()
	s, err := newSession(secret, wire.MainNet, initiator)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// openPacket decrypts a whole packet with r, checking that its length
// field matches its size. It decrypts pkt in place.
func openPacket(t testing.TB, r *receiver, pkt, aad []byte) ([]byte, bool) {
	t.Helper()
	n := r.decryptLength([LengthFieldLen]byte(pkt[:LengthFieldLen]))
	if packetLen(n) != len(pkt) {
		t.Fatalf("length field says %d bytes of contents in a %d-byte packet", n, len(pkt))
	}
	contents, ignore, err := r.open(pkt[LengthFieldLen:], aad)
	if err != nil {
		t.Fatal(err)
	}
	return contents, ignore
}
