package addrmgr

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/tern-org/ternd/internal/atomicfile"
	"github.com/tern-org/ternd/wire"
)

// peersFileVersion is the format version of peers.json.
const peersFileVersion = 1

// maxPeersFileSize bounds the file read at start; a full table is about
// 20 MB of JSON.
const maxPeersFileSize = 64 << 20

// serializedAddr is one address in peers.json.
type serializedAddr struct {
	Addr        string `json:"addr"`
	Src         string `json:"src"`
	Services    uint64 `json:"services"`
	TimeStamp   int64  `json:"ts"`
	Attempts    int    `json:"attempts"`
	LastAttempt int64  `json:"lastattempt"`
	LastSuccess int64  `json:"lastsuccess"`
	Tried       bool   `json:"tried"`
}

// serializedManager is the content of peers.json.
type serializedManager struct {
	Version   int              `json:"version"`
	Key       string           `json:"key"`
	Addresses []serializedAddr `json:"addresses"`
}

func unixOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

func timeOrZero(s int64) time.Time {
	if s == 0 {
		return time.Time{}
	}
	return time.Unix(s, 0)
}

// Save writes peers.json atomically (see internal/atomicfile), creating
// the data directory when needed. Without a DataDir it does nothing.
func (am *AddrManager) Save() error {
	if am.peersFile == "" {
		return nil
	}
	am.mu.Lock()
	sm := serializedManager{Version: peersFileVersion, Key: hex.EncodeToString(am.key[:])}
	sm.Addresses = make([]serializedAddr, 0, len(am.newLst)+len(am.triLst))
	for _, l := range [][]*KnownAddress{am.newLst, am.triLst} {
		for _, ka := range l {
			sm.Addresses = append(sm.Addresses, serializedAddr{
				Addr:        ka.na.String(),
				Src:         ka.srcAddr.String(),
				Services:    uint64(ka.na.Services),
				TimeStamp:   ka.na.Timestamp.Unix(),
				Attempts:    ka.attempts,
				LastAttempt: unixOrZero(ka.lastattempt),
				LastSuccess: unixOrZero(ka.lastsuccess),
				Tried:       ka.tried,
			})
		}
	}
	am.mu.Unlock()

	data, err := json.Marshal(&sm)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(am.peersFile), 0o700); err != nil {
		return err
	}
	return atomicfile.Write(am.peersFile, data, 0o600)
}

// Load replaces the tables with the content of peers.json. A missing file
// leaves the manager empty. A corrupt file is moved aside (to
// peers.json.corrupt-<unix time>), the manager starts empty with a new key,
// and an ErrCorruptFile error says so; the caller logs it and carries on.
func (am *AddrManager) Load() error {
	if am.peersFile == "" {
		return nil
	}
	data, err := readLimited(am.peersFile, maxPeersFileSize)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return am.moveAside(err)
	}
	var sm serializedManager
	if err := json.Unmarshal(data, &sm); err != nil {
		return am.moveAside(err)
	}
	if sm.Version != peersFileVersion {
		return am.moveAside(fmt.Errorf("unknown version %d", sm.Version))
	}
	key, err := hex.DecodeString(sm.Key)
	if err != nil || len(key) != 32 {
		return am.moveAside(fmt.Errorf("bad key"))
	}

	am.mu.Lock()
	defer am.mu.Unlock()
	am.resetLocked()
	copy(am.key[:], key)
	skipped := 0
	for _, sa := range sm.Addresses {
		na, err1 := ParseNetAddr(sa.Addr, wire.ServiceFlag(sa.Services))
		src, err2 := ParseNetAddr(sa.Src, 0)
		if err1 != nil || err2 != nil || !IsRoutable(na) || am.index[addrKey(na)] != nil {
			skipped++
			continue
		}
		na.Timestamp = time.Unix(sa.TimeStamp, 0)
		ka := &KnownAddress{na: na, srcAddr: src, attempts: sa.Attempts,
			lastattempt: timeOrZero(sa.LastAttempt), lastsuccess: timeOrZero(sa.LastSuccess)}
		if sa.Tried {
			bucket := am.triedBucket(na)
			pos := am.bucketPos(na, false, bucket)
			if am.triTbl[bucket][pos] == nil {
				ka.tried = true
				am.index[addrKey(na)] = ka
				am.triTbl[bucket][pos] = ka
				listAdd(&am.triLst, ka)
				continue
			}
		}
		bucket := am.newBucket(na, src)
		pos := am.bucketPos(na, true, bucket)
		if am.newTbl[bucket][pos] != nil {
			skipped++
			continue
		}
		am.index[addrKey(na)] = ka
		am.newTbl[bucket][pos] = ka
		ka.newSlots = []int32{int32(bucket*BucketSize + pos)}
		ka.refs = 1
		listAdd(&am.newLst, ka)
	}
	log.Infof("Loaded %d addresses from %s (%d new, %d tried, %d skipped)",
		len(am.newLst)+len(am.triLst), am.peersFile, len(am.newLst), len(am.triLst), skipped)
	return nil
}

// readLimited reads a file of at most limit bytes.
func readLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.Size() > limit {
		return nil, fmt.Errorf("file is %d bytes, over the %d limit", st.Size(), limit)
	}
	return os.ReadFile(path)
}

// moveAside renames a corrupt peers.json and resets the manager.
func (am *AddrManager) moveAside(cause error) error {
	aside := fmt.Sprintf("%s.corrupt-%d", am.peersFile, am.now().UnixNano())
	if err := os.Rename(am.peersFile, aside); err != nil {
		aside = "(could not move it: " + err.Error() + ")"
	}
	am.mu.Lock()
	am.resetLocked()
	am.mu.Unlock()
	return makeError(ErrCorruptFile, fmt.Sprintf("%s is corrupt (%v); moved to %s, "+
		"starting with an empty address table", am.peersFile, cause, aside))
}
