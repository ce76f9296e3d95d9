package mempool

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/internal/atomicfile"
	"github.com/tern-org/ternd/wire"
)

// mempool.dat versions: 1 is plain, 2 adds an XOR key after the header
// (Core's MEMPOOL_DUMP_VERSION_NO_XOR_KEY and MEMPOOL_DUMP_VERSION).
const (
	dumpVersionNoXor = 1
	dumpVersionXor   = 2
	// maxDumpDeltas bounds the deltas read from a file.
	maxDumpDeltas = 1 << 20
)

// Dump writes the pool to path in Bitcoin Core's mempool.dat layout
// (version 1: count, then each transaction with its arrival time and fee
// delta, parents first, then the remaining deltas and the unbroadcast
// set). It replaces path atomically (see internal/atomicfile), with mode
// 0600, so a crash leaves the old file or the new one.
func (mp *TxPool) Dump(path string) error {
	mp.mtx.RLock()
	all := make(map[*entry]struct{}, len(mp.pool))
	for _, e := range mp.pool {
		all[e] = struct{}{}
	}
	order := topoSort(all)
	deltas := make(map[chainhash.Hash]int64, len(mp.deltas))
	for k, v := range mp.deltas {
		deltas[k] = v
	}
	unbroadcast := make([]chainhash.Hash, 0, len(mp.unbroadcast))
	for h := range mp.unbroadcast {
		unbroadcast = append(unbroadcast, h)
	}
	mp.mtx.RUnlock()

	err := atomicfile.WriteFunc(path, 0o600, func(w io.Writer) error {
		return writeDump(w, order, deltas, unbroadcast)
	})
	if err != nil {
		return err
	}
	log.Infof("Dumped %d transactions to %s", len(order), path)
	return nil
}

// writeDump writes the version 1 mempool.dat content: the transactions in
// order with their arrival times and fee deltas, the deltas of
// transactions not in the pool and the unbroadcast set. Write errors of w
// are sticky (a bufio.Writer), so only the serialisation's are checked
// here; the caller's flush reports the rest.
func writeDump(w io.Writer, order []*entry, deltas map[chainhash.Hash]int64,
	unbroadcast []chainhash.Hash) error {
	var b8 [8]byte
	putU64 := func(v uint64) {
		binary.LittleEndian.PutUint64(b8[:], v)
		w.Write(b8[:])
	}
	putU64(dumpVersionNoXor)
	putU64(uint64(len(order)))
	for _, e := range order {
		if err := e.tx.Serialize(w); err != nil {
			return err
		}
		putU64(uint64(e.added.Unix()))
		putU64(uint64(e.delta))
		delete(deltas, e.txid)
	}
	w.Write(wire.AppendVarInt(nil, uint64(len(deltas))))
	for h, d := range deltas {
		w.Write(h[:])
		putU64(uint64(d))
	}
	w.Write(wire.AppendVarInt(nil, uint64(len(unbroadcast))))
	for _, h := range unbroadcast {
		w.Write(h[:])
	}
	return nil
}

// xorReader undoes version 2's obfuscation: byte at file offset p is XORed
// with key[p%8].
type xorReader struct {
	r   io.Reader
	key [8]byte
	pos int64
}

func (x *xorReader) Read(p []byte) (int, error) {
	n, err := x.r.Read(p)
	for i := 0; i < n; i++ {
		p[i] ^= x.key[(x.pos+int64(i))%8]
	}
	x.pos += int64(n)
	return n, err
}

// LoadStats reports what Load did. Txs lists the transactions it accepted
// that are still pooled when it returns, in file order, for the caller to
// announce if it wants to (Core announces only the unbroadcast ones, which
// Load restores into the unbroadcast set).
type LoadStats struct {
	Read, Accepted, Failed, Expired int
	Txs                             []*TxDesc
}

// Load reads a mempool.dat written by Dump (or by Bitcoin Core, versions 1
// and 2), restores the fee deltas and validates every transaction again,
// keeping its arrival time; expired or now-invalid transactions are
// skipped. A missing file is not an error.
func (mp *TxPool) Load(path string) (st LoadStats, err error) {
	defer func() {
		mp.mtx.RLock()
		st.Txs = mp.stillPooled(st.Txs)
		mp.mtx.RUnlock()
	}()
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return st, err
	}
	defer f.Close()
	var r io.Reader = bufio.NewReader(f)
	var b8 [8]byte
	getU64 := func() (uint64, error) {
		if _, err := io.ReadFull(r, b8[:]); err != nil {
			return 0, err
		}
		return binary.LittleEndian.Uint64(b8[:]), nil
	}
	version, err := getU64()
	if err != nil {
		return st, err
	}
	switch version {
	case dumpVersionNoXor:
	case dumpVersionXor:
		n, err := wire.ReadVarInt(r, 0)
		if err != nil || n != 8 {
			return st, fmt.Errorf("mempool.dat: bad obfuscation key")
		}
		var key [8]byte
		if _, err := io.ReadFull(r, key[:]); err != nil {
			return st, err
		}
		r = &xorReader{r: r, key: key, pos: 17}
	default:
		return st, fmt.Errorf("mempool.dat: unknown version %d", version)
	}
	count, err := getU64()
	if err != nil {
		return st, err
	}
	now := mp.cfg.Now()
	for i := uint64(0); i < count; i++ {
		tx := new(wire.MsgTx)
		if err := tx.Deserialize(r); err != nil {
			return st, fmt.Errorf("mempool.dat: tx %d: %w", i, err)
		}
		t, err := getU64()
		if err != nil {
			return st, err
		}
		d, err := getU64()
		if err != nil {
			return st, err
		}
		st.Read++
		added := time.Unix(int64(t), 0)
		if delta := int64(d); delta != 0 {
			txid := tx.TxHash()
			mp.PrioritiseTransaction(&txid, delta)
		}
		if added.Add(mp.cfg.Policy.MempoolExpiry).Before(now) {
			st.Expired++
			continue
		}
		mp.mtx.Lock()
		desc, err := mp.accept(tx, acceptOpts{added: added})
		mp.mtx.Unlock()
		if err != nil {
			st.Failed++
			log.Debugf("mempool.dat: %v not restored: %v", tx.TxHash(), err)
			continue
		}
		st.Accepted++
		st.Txs = append(st.Txs, desc)
	}
	n, err := wire.ReadVarInt(r, 0)
	if err != nil || n > maxDumpDeltas {
		return st, nil
	}
	for i := uint64(0); i < n; i++ {
		var h chainhash.Hash
		if _, err := io.ReadFull(r, h[:]); err != nil {
			return st, nil
		}
		d, err := getU64()
		if err != nil {
			return st, nil
		}
		mp.PrioritiseTransaction(&h, int64(d))
	}
	n, err = wire.ReadVarInt(r, 0)
	if err != nil || n > maxDumpDeltas {
		return st, nil
	}
	for i := uint64(0); i < n; i++ {
		var h chainhash.Hash
		if _, err := io.ReadFull(r, h[:]); err != nil {
			break
		}
		mp.AddUnbroadcast(&h)
	}
	log.Infof("Loaded %d of %d transactions from %s", st.Accepted, st.Read, path)
	return st, nil
}
