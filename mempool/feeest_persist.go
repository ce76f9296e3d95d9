package mempool

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/internal/atomicfile"
)

// Fee estimates file constants. The layout is Bitcoin Core's
// fee_estimates.dat (version 149900 and later), so files move between the
// two: the version needed to read it and the version that wrote it (int32),
// the best height seen and the first and last heights of the recorded
// history (uint32), the bucket bounds (a vector of doubles) and then the
// medium, short and long horizons, each as its decay (double), scale
// (uint32), fee-rate and count averages (vectors of doubles) and
// confirmation and failure averages (vectors of vectors of doubles).
// Integers are little-endian, doubles their IEEE 754 bits as a uint64,
// vector lengths Bitcoin's CompactSize.
const (
	// feeEstFileVersionRequired is the oldest reader version the layout
	// needs (Core 0.14.99).
	feeEstFileVersionRequired = 149900

	// feeEstClientVersion is the version written as the file's writer
	// and the newest "version required" accepted (Core v30's number).
	feeEstClientVersion = 300000

	// FeeEstMaxFileAge is how old a fee estimates file may be before Load
	// refuses it, so stale estimates are not served (Core's MAX_FILE_AGE).
	FeeEstMaxFileAge = 60 * time.Hour

	// FeeEstFlushInterval is how often the daemon should Save the
	// estimates while running (Core's FEE_FLUSH_INTERVAL).
	FeeEstFlushInterval = time.Hour

	// feeEstMaxFileSize bounds the bytes Load reads: Core's limits (1,000
	// buckets, 1,008 confirmations) allow about 48 MB.
	feeEstMaxFileSize = 64 << 20

	feeEstMaxBuckets     = 1000
	feeEstMaxConfirmsCap = 6 * 24 * 7
)

// Encode writes the estimator's history in the fee estimates file layout.
// Tracked unconfirmed transactions are not written (call FlushUnconfirmed
// first at shutdown, as Core does).
func (fe *FeeEstimator) Encode(w io.Writer) error {
	fe.mtx.Lock()
	var buf bytes.Buffer
	fe.encode(&buf)
	fe.mtx.Unlock()
	_, err := w.Write(buf.Bytes())
	return err
}

// encode serialises the state into buf. The lock must be held.
func (fe *FeeEstimator) encode(buf *bytes.Buffer) {
	var b [8]byte
	u32 := func(v uint32) {
		binary.LittleEndian.PutUint32(b[:4], v)
		buf.Write(b[:4])
	}
	f64 := func(v float64) {
		binary.LittleEndian.PutUint64(b[:], math.Float64bits(v))
		buf.Write(b[:])
	}
	vec := func(v []float64) {
		writeCompactSize(buf, uint64(len(v)))
		for _, x := range v {
			f64(x)
		}
	}
	u32(feeEstFileVersionRequired)
	u32(feeEstClientVersion)
	u32(uint32(fe.bestSeenHeight))
	if fe.blockSpan() > fe.historicalBlockSpan()/2 {
		u32(uint32(fe.firstRecordedHeight))
		u32(uint32(fe.bestSeenHeight))
	} else {
		u32(uint32(fe.historicalFirst))
		u32(uint32(fe.historicalBest))
	}
	vec(fe.buckets)
	for _, s := range []*txConfirmStats{fe.medStats, fe.shortStats, fe.longStats} {
		f64(s.decay)
		u32(uint32(s.scale))
		vec(s.feeRateAvg)
		vec(s.txCtAvg)
		for _, vv := range [][][]float64{s.confAvg, s.failAvg} {
			writeCompactSize(buf, uint64(len(vv)))
			for _, v := range vv {
				vec(v)
			}
		}
	}
}

// writeCompactSize appends Bitcoin's variable-length integer.
func writeCompactSize(buf *bytes.Buffer, n uint64) {
	var b [9]byte
	switch {
	case n < 0xfd:
		buf.WriteByte(byte(n))
	case n <= 0xffff:
		b[0] = 0xfd
		binary.LittleEndian.PutUint16(b[1:], uint16(n))
		buf.Write(b[:3])
	case n <= 0xffffffff:
		b[0] = 0xfe
		binary.LittleEndian.PutUint32(b[1:], uint32(n))
		buf.Write(b[:5])
	default:
		b[0] = 0xff
		binary.LittleEndian.PutUint64(b[1:], n)
		buf.Write(b[:9])
	}
}

// feeEstDecoder reads the file layout from a byte slice, remembering the
// first error.
type feeEstDecoder struct {
	b   []byte
	err error
}

// fail records a corruption error once.
func (d *feeEstDecoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = feeEstError(ErrFeeEstimatesCorrupt,
			"Corrupt estimates file: "+fmt.Sprintf(format, args...))
	}
}

// take returns the next n bytes, or nil (recording the error) when fewer
// remain or an error came before.
func (d *feeEstDecoder) take(n int) []byte {
	if d.err != nil {
		return nil
	}
	if n > len(d.b) {
		d.fail("unexpected end of data")
		return nil
	}
	p := d.b[:n]
	d.b = d.b[n:]
	return p
}

// u32 reads a little-endian uint32.
func (d *feeEstDecoder) u32() uint32 {
	p := d.take(4)
	if p == nil {
		return 0
	}
	return binary.LittleEndian.Uint32(p)
}

// f64 reads a double stored as its IEEE 754 bits (Core's EncodeDouble).
func (d *feeEstDecoder) f64() float64 {
	p := d.take(8)
	if p == nil {
		return 0
	}
	return math.Float64frombits(binary.LittleEndian.Uint64(p))
}

// compactSize reads a canonical CompactSize.
func (d *feeEstDecoder) compactSize() uint64 {
	p := d.take(1)
	if p == nil {
		return 0
	}
	var n, least uint64
	switch p[0] {
	case 0xfd:
		if q := d.take(2); q != nil {
			n, least = uint64(binary.LittleEndian.Uint16(q)), 0xfd
		}
	case 0xfe:
		if q := d.take(4); q != nil {
			n, least = uint64(binary.LittleEndian.Uint32(q)), 0x10000
		}
	case 0xff:
		if q := d.take(8); q != nil {
			n, least = binary.LittleEndian.Uint64(q), 0x100000000
		}
	default:
		return uint64(p[0])
	}
	if d.err == nil && n < least {
		d.fail("non-canonical length")
	}
	return n
}

// vec reads a vector of doubles, all finite and non-negative, whose length
// must be want (or anything up to max when want is 0).
func (d *feeEstDecoder) vec(want, limit int, what string) []float64 {
	n := d.compactSize()
	if d.err != nil {
		return nil
	}
	if want > 0 && n != uint64(want) {
		d.fail("%s has %d entries, want %d", what, n, want)
		return nil
	}
	if n > uint64(limit) || n > uint64(len(d.b)/8) {
		d.fail("%s length %d out of range", what, n)
		return nil
	}
	v := make([]float64, n)
	for i := range v {
		x := d.f64()
		if math.IsNaN(x) || math.IsInf(x, 0) || x < 0 {
			d.fail("%s holds an invalid value", what)
			return nil
		}
		v[i] = x
	}
	return v
}

// stats reads one horizon for nb buckets.
func (d *feeEstDecoder) stats(nb int, name string) *txConfirmStats {
	decay := d.f64()
	scale := d.u32()
	if d.err != nil {
		return nil
	}
	if !(decay > 0 && decay < 1) {
		d.fail("%s decay must be between 0 and 1 (non-inclusive)", name)
		return nil
	}
	if scale == 0 || scale > feeEstMaxConfirmsCap {
		d.fail("%s scale %d out of range", name, scale)
		return nil
	}
	s := &txConfirmStats{decay: decay, scale: int(scale)}
	s.feeRateAvg = d.vec(nb, nb, name+" fee-rate averages")
	s.txCtAvg = d.vec(nb, nb, name+" transaction counts")
	for i, dst := range []*[][]float64{&s.confAvg, &s.failAvg} {
		periods := d.compactSize()
		if d.err != nil {
			return nil
		}
		if i == 1 && periods != uint64(len(s.confAvg)) {
			d.fail("%s tracks %d periods of failures and %d of confirmations",
				name, periods, len(s.confAvg))
			return nil
		}
		if periods == 0 || periods*uint64(scale) > feeEstMaxConfirmsCap {
			d.fail("%s must track between 1 and %d confirmations", name, feeEstMaxConfirmsCap)
			return nil
		}
		if periods > uint64(len(d.b)) {
			d.fail("unexpected end of data")
			return nil
		}
		rows := make([][]float64, periods)
		for p := range rows {
			if rows[p] = d.vec(nb, nb, name+" period averages"); d.err != nil {
				return nil
			}
		}
		*dst = rows
	}
	if d.err != nil {
		return nil
	}
	s.resizeUnconf(nb)
	return s
}

// Decode replaces the estimator's history with the fee estimates file in
// data, or leaves it unchanged and returns an error whose kind is
// ErrFeeEstimatesVersion (a file needing a newer reader, or an older
// layout) or ErrFeeEstimatesCorrupt. Tracked unconfirmed transactions are
// forgotten, since the buckets may change: call it before the pool
// accepts transactions. It never panics and allocates at most a small
// multiple of len(data).
func (fe *FeeEstimator) Decode(data []byte) error {
	d := &feeEstDecoder{b: data}
	required := int32(d.u32())
	wrote := int32(d.u32())
	if d.err != nil {
		return d.err
	}
	if required > feeEstClientVersion {
		return feeEstError(ErrFeeEstimatesVersion,
			fmt.Sprintf("up-version (%d) fee estimate file", required))
	}
	if required < feeEstFileVersionRequired {
		return feeEstError(ErrFeeEstimatesVersion,
			fmt.Sprintf("incompatible old fee estimation data, version %d", required))
	}
	best, hFirst, hBest := d.u32(), d.u32(), d.u32()
	if d.err != nil {
		return d.err
	}
	if best > math.MaxInt32 || hFirst > hBest || hBest > best {
		return feeEstError(ErrFeeEstimatesCorrupt,
			"Corrupt estimates file: historical block range for estimates is invalid")
	}
	buckets := d.vec(0, feeEstMaxBuckets, "bucket list")
	if d.err != nil {
		return d.err
	}
	nb := len(buckets)
	if nb <= 1 {
		return feeEstError(ErrFeeEstimatesCorrupt,
			"Corrupt estimates file: must have between 2 and 1000 feerate buckets")
	}
	for i, b := range buckets {
		if b <= 0 || i > 0 && b <= buckets[i-1] {
			return feeEstError(ErrFeeEstimatesCorrupt,
				"Corrupt estimates file: bucket bounds must be positive and increasing")
		}
	}
	med := d.stats(nb, "medium")
	short := d.stats(nb, "short")
	long := d.stats(nb, "long")
	if d.err != nil {
		return d.err
	}
	if len(d.b) != 0 {
		return feeEstError(ErrFeeEstimatesCorrupt,
			fmt.Sprintf("Corrupt estimates file: %d trailing bytes", len(d.b)))
	}
	if short.maxConfirms() > med.maxConfirms() || med.maxConfirms() > long.maxConfirms() {
		return feeEstError(ErrFeeEstimatesCorrupt,
			"Corrupt estimates file: horizons must track increasing targets")
	}
	fe.mtx.Lock()
	defer fe.mtx.Unlock()
	fe.buckets = buckets
	fe.medStats, fe.shortStats, fe.longStats = med, short, long
	fe.tracked = make(map[chainhash.Hash]trackedTx)
	fe.bestSeenHeight = int64(best)
	fe.historicalFirst, fe.historicalBest = int64(hFirst), int64(hBest)
	fe.firstRecordedHeight = 0
	fe.trackedTxs, fe.untrackedTxs = 0, 0
	log.Debugf("Fee estimator: read estimates (written by version %d): %d buckets, "+
		"confirmations up to %d blocks", wrote, nb, long.maxConfirms())
	return nil
}

// Save writes the estimates to path atomically (see internal/atomicfile),
// with mode 0600. Tracked unconfirmed transactions are not saved.
func (fe *FeeEstimator) Save(path string) error {
	fe.mtx.Lock()
	var buf bytes.Buffer
	fe.encode(&buf)
	fe.mtx.Unlock()

	if err := atomicfile.Write(path, buf.Bytes(), 0o600); err != nil {
		return fmt.Errorf("fee estimates: %w", err)
	}
	log.Debugf("Flushed fee estimates to %s", filepath.Base(path))
	return nil
}

// Load reads estimates saved by Save (or Bitcoin Core) from path,
// refusing a file older than FeeEstMaxFileAge with ErrFeeEstimatesStale.
// A missing file returns an error matching fs.ErrNotExist; the daemon
// logs any error and starts without history, as Core does.
func (fe *FeeEstimator) Load(path string) error {
	return fe.LoadFile(path, false)
}

// LoadFile is Load with Core's -acceptstalefeeestimates switch.
func (fe *FeeEstimator) LoadFile(path string, acceptStale bool) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("fee estimates: %w", err)
	}
	defer f.Close()
	if !acceptStale {
		if fi, err := f.Stat(); err == nil {
			if age := time.Since(fi.ModTime()); age > FeeEstMaxFileAge {
				return feeEstError(ErrFeeEstimatesStale, fmt.Sprintf(
					"fee estimation file %s too old (age=%d > %d hours), not used",
					path, int64(age/time.Hour), int64(FeeEstMaxFileAge/time.Hour)))
			}
		}
	}
	data, err := io.ReadAll(io.LimitReader(f, feeEstMaxFileSize+1))
	if err != nil {
		return fmt.Errorf("fee estimates: %w", err)
	}
	if len(data) > feeEstMaxFileSize {
		return feeEstError(ErrFeeEstimatesCorrupt, "Corrupt estimates file: too large")
	}
	if err := fe.Decode(data); err != nil {
		var e Error
		if errors.As(err, &e) {
			e.Description = path + ": " + e.Description
			return e
		}
		return err
	}
	return nil
}
