package main

// The ban list and the anchors: what the server keeps on disk about peers
// besides the address manager's peers.json (connmgr reads and writes the
// files).

import (
	"context"
	"net"
	"path/filepath"
	"slices"
	"time"

	"github.com/tern-org/ternd/addrmgr"
	"github.com/tern-org/ternd/connmgr"
	"github.com/tern-org/ternd/peer"
	"github.com/tern-org/ternd/wire"
)

// banListSaveInterval is how often a changed ban list is written, as
// Core's DUMP_BANS_INTERVAL; it is also written at Stop and at once after
// an operator's setban/clearbanned.
const banListSaveInterval = 15 * time.Minute

// banSaveLoop writes the ban list every banSaveInterval when it changed,
// so automatic bans (often made on the sync manager's event goroutine)
// never wait for a marshal and fsync. Stop writes the last changes.
func (s *server) banSaveLoop(ctx context.Context) {
	t := time.NewTicker(s.banSaveInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := s.saveBanListIfDirty(); err != nil {
				srvrLog.Warnf("Cannot save %s: %v", connmgr.BanListFilename, err)
			}
		}
	}
}

// onBan bans a misbehaving peer's address for --banduration. The list is
// saved later by banSaveLoop (or Stop), not here: this runs on the goroutine
// that detected the offence.
func (s *server) onBan(p *peer.Peer, reason string) {
	host, _, err := net.SplitHostPort(p.Addr())
	if err != nil {
		return
	}
	prefix, err := connmgr.ParseBanTarget(host)
	if err != nil {
		return
	}
	s.bans.Ban(prefix, s.cfg.BanDuration, reason)
	srvrLog.Infof("Banned %s for %v: %s", prefix, s.cfg.BanDuration, reason)
}

// banListPath is banlist.json in the network data dir.
func (s *server) banListPath() string {
	return filepath.Join(s.cfg.netDataDir, connmgr.BanListFilename)
}

// loadBanList reads banlist.json; a missing file leaves the list empty and
// a damaged one is logged and ignored, as Core does.
func (s *server) loadBanList() {
	if err := s.bans.LoadFile(s.banListPath()); err != nil {
		srvrLog.Warnf("Ignoring %s: %v", connmgr.BanListFilename, err)
	}
}

// saveBanListIfDirty saves the ban list when it changed since the last
// save.
func (s *server) saveBanListIfDirty() error {
	return s.bans.SaveFileIfDirty(s.banListPath())
}

// saveBanList writes banlist.json now.
func (s *server) saveBanList() error {
	return s.bans.SaveFile(s.banListPath())
}

// saveAnchors writes the addresses of up to connmgr.MaxAnchors
// block-relay-only peers that completed the handshake to anchors.dat, the
// longest connected (lowest id) first, as Core's DumpAnchors at shutdown,
// so that the next start dials them first and an attacker who fills our
// address tables while we are down cannot take every outbound connection.
// Nothing is written without automatic connections (--connect,
// --maxpeers=0).
func (s *server) saveAnchors() {
	if s.cm == nil || len(s.cfg.ConnectPeers) > 0 || s.cfg.MaxPeers == 0 {
		return
	}
	s.peersMu.Lock()
	ids := make([]int32, 0, len(s.anchorPeers))
	for id := range s.anchorPeers {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	addrs := make([]*wire.NetAddressV2, 0, len(ids))
	for _, id := range ids {
		addrs = append(addrs, s.anchorPeers[id])
	}
	s.peersMu.Unlock()
	if err := connmgr.SaveAnchors(filepath.Join(s.cfg.netDataDir, connmgr.AnchorsFilename), addrs); err != nil {
		srvrLog.Warnf("Cannot save %s: %v", connmgr.AnchorsFilename, err)
		return
	}
	srvrLog.Debugf("Saved %d anchors to %s", min(len(addrs), connmgr.MaxAnchors), connmgr.AnchorsFilename)
}

// loadAnchors reads and deletes anchors.dat (Core's ReadAnchors: anchors
// are tried once, and a crash does not keep them), returning the
// addresses to dial first as block-relay-only. A missing file gives none;
// a damaged one is logged and ignored.
func (s *server) loadAnchors() []net.Addr {
	nas, err := connmgr.LoadAnchors(filepath.Join(s.cfg.netDataDir, connmgr.AnchorsFilename))
	if err != nil {
		srvrLog.Warnf("Ignoring %s: %v", connmgr.AnchorsFilename, err)
		return nil
	}
	out := make([]net.Addr, 0, len(nas))
	for _, na := range nas {
		out = append(out, addrmgr.Addr{NetAddressV2: na})
	}
	if len(out) > 0 {
		srvrLog.Infof("Loaded %d anchors from %s", len(out), connmgr.AnchorsFilename)
	}
	return out
}
