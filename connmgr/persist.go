package connmgr

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/netip"
	"os"

	"github.com/tern-org/ternd/addrmgr"
	"github.com/tern-org/ternd/internal/atomicfile"
	"github.com/tern-org/ternd/wire"
)

const (
	// BanListFilename is the ban list's file in the network data
	// directory (Core's banlist.json; ours is a JSON array of BanEntry).
	BanListFilename = "banlist.json"

	// AnchorsFilename is the file in the network data directory that
	// keeps the block-relay-only peers from one run to the next (Core's
	// anchors.dat; ours is JSON, like peers.json and banlist.json).
	AnchorsFilename = "anchors.dat"

	// MaxAnchors is how many anchors are kept (Core's
	// MAX_BLOCK_RELAY_ONLY_ANCHORS).
	MaxAnchors = 2

	// maxBanListFileBytes bounds the read of banlist.json: MaxBanEntries
	// entries take about 2 MB, so a larger file is damaged.
	maxBanListFileBytes = 16 << 20

	// maxAnchorsFileBytes bounds the read of anchors.dat: two addresses
	// need far less, so a larger file is damaged.
	maxAnchorsFileBytes = 16 << 10
)

// LoadFile adds the bans saved in the banlist.json at path (see Load). A
// missing file is not an error. A file that is larger than its bound or
// not a JSON array of entries gives an ErrCorruptFile error and adds
// nothing, as does a file that cannot be read (with the os error); the
// daemon logs the error and starts with an empty list, as Core does.
func (b *BanList) LoadFile(path string) error {
	data, err := readFileBounded(path, maxBanListFileBytes)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var entries []BanEntry
	if err := json.Unmarshal(data, &entries); err != nil {
		return makeError(ErrCorruptFile, fmt.Sprintf("%s is damaged: %v", path, err))
	}
	b.Load(entries)
	if n := len(b.Entries()); n > 0 {
		log.Infof("Loaded %d bans from %s", n, path)
	}
	return nil
}

// SaveFile writes the unexpired bans to path now, atomically, and clears
// the changed mark; after a failure the list is marked changed again, so
// that a later SaveFileIfDirty retries. Saves are serialised.
func (b *BanList) SaveFile(path string) error {
	b.saveMu.Lock()
	defer b.saveMu.Unlock()
	b.TakeDirty()
	return b.writeFileLocked(path)
}

// SaveFileIfDirty is SaveFile when the list changed since the last save,
// and does nothing otherwise. The daemon calls it periodically (Core's
// DUMP_BANS_INTERVAL, 15 minutes), so that automatic bans, made on the
// goroutine that saw the offence, never wait for a marshal and an fsync.
func (b *BanList) SaveFileIfDirty(path string) error {
	b.saveMu.Lock()
	defer b.saveMu.Unlock()
	if !b.TakeDirty() {
		return nil
	}
	return b.writeFileLocked(path)
}

// writeFileLocked writes banlist.json; on failure the list is marked
// changed again. The caller holds b.saveMu and has taken the changed mark.
func (b *BanList) writeFileLocked(path string) (err error) {
	defer func() {
		if err != nil {
			b.MarkDirty()
		}
	}()
	data, err := json.Marshal(b.Entries())
	if err != nil {
		return err
	}
	return atomicfile.Write(path, data, 0o600)
}

// anchorsFile is the content of anchors.dat.
type anchorsFile struct {
	Anchors []string `json:"anchors"`
}

// SaveAnchors writes the first MaxAnchors of addrs (nil entries skipped)
// to the anchors.dat at path, atomically, as Core's DumpAnchors at
// shutdown: the caller passes the addresses of its block-relay-only peers
// that completed the handshake, longest connected first, so that the next
// start dials them first (Config.Anchors) and an attacker who fills the
// address tables while the node is down cannot take every outbound
// connection. An empty addrs writes an empty list.
func SaveAnchors(path string, addrs []*wire.NetAddressV2) error {
	content := anchorsFile{Anchors: []string{}}
	for _, na := range addrs {
		if len(content.Anchors) == MaxAnchors {
			break
		}
		if na != nil {
			content.Anchors = append(content.Anchors, na.String())
		}
	}
	data, err := json.Marshal(content)
	if err != nil {
		return err
	}
	if err := atomicfile.Write(path, data, 0o600); err != nil {
		return err
	}
	log.Debugf("Saved %d anchors to %s", len(content.Anchors), path)
	return nil
}

// LoadAnchors reads the anchors.dat at path and deletes it (as Core's
// ReadAnchors, so anchors are tried once and a crash does not keep them),
// returning at most MaxAnchors distinct addresses that may be dialed
// (validAnchor), in the file's order; the caller wraps them in
// addrmgr.Addr for Config.Anchors. A missing file gives none and no
// error. A file larger than its bound or that is not the expected JSON
// gives none and an ErrCorruptFile error, an unreadable one the os error;
// the file is deleted in both cases, and the daemon logs the error and
// carries on. A failure to delete the file is logged.
func LoadAnchors(path string) ([]*wire.NetAddressV2, error) {
	data, err := readFileBounded(path, maxAnchorsFileBytes)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if rerr := os.Remove(path); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
		log.Warnf("Cannot delete %s: %v", path, rerr)
	}
	if err != nil {
		return nil, err
	}
	var content anchorsFile
	if err := json.Unmarshal(data, &content); err != nil {
		return nil, makeError(ErrCorruptFile, fmt.Sprintf("%s is damaged: %v", path, err))
	}
	var out []*wire.NetAddressV2
	seen := make(map[string]bool)
	for _, a := range content.Anchors {
		if len(out) == MaxAnchors {
			break
		}
		na, err := addrmgr.ParseNetAddr(a, 0)
		if err != nil || !validAnchor(na) || seen[na.String()] {
			log.Debugf("Ignoring anchor %q", a)
			continue
		}
		seen[na.String()] = true
		out = append(out, na)
	}
	if len(out) > 0 {
		log.Infof("Loaded %d anchors from %s", len(out), path)
	}
	return out, nil
}

// validAnchor reports whether na may be dialed as an anchor: a port, and
// a host that is not the unspecified address. Like Core, loopback and
// private addresses are allowed (a regtest node's peers are on 127.0.0.1);
// anchors.dat is written by the node itself.
func validAnchor(na *wire.NetAddressV2) bool {
	if na.Port == 0 {
		return false
	}
	if na.Network == wire.NetIPv4 || na.Network == wire.NetIPv6 {
		ip, ok := netip.AddrFromSlice(na.Addr)
		return ok && !ip.Unmap().IsUnspecified()
	}
	return true
}

// readFileBounded reads the file at path, failing with ErrCorruptFile when
// it holds more than limit bytes.
func readFileBounded(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, makeError(ErrCorruptFile, fmt.Sprintf("%s is larger than %d bytes", path, limit))
	}
	return data, nil
}
