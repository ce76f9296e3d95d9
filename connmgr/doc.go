/*
Package connmgr listens for and dials the node's TCP connections.

A ConnManager, driven by Run(ctx), does four things:

  - It accepts inbound connections on every listener (see Listen and
    DefaultListenAddrs), refuses banned addresses (Config.IsBanned), and keeps
    them within MaxPeers-TargetOutbound-TargetBlockRelay inbound slots and the per-IP and
    per-network-group limits. Whitelisted addresses skip the ban and the
    per-IP/group limits. Accepted connections go to Config.OnAccept. When
    the inbound slots are full, Config.EvictInbound may drop one inbound
    connection (chosen with SelectEviction, after Core's eviction) to make
    room for the new one.
  - It keeps TargetOutbound (8) automatic outbound connections, each in a
    different network group (Config.GroupKey, NetGroup by default), asking
    Config.GetNewAddress (the address manager) for candidates. A nil
    GetNewAddress is the --connect mode: only permanent requests are dialed.
    SetTryNewOutbound(true) allows one more (Core's extra outbound peer,
    asked for by the sync manager when the tip looks stale); ExtraOutbound
    counts the established ones beyond the target, so the caller can evict
    one.
  - Beside them it keeps TargetBlockRelay (the daemon: 2, Core's
    MAX_BLOCK_RELAY_ONLY_CONNECTIONS) block-relay-only connections, also
    each in a network group of its own, counted apart (OutboundCounts) and
    dialed after the full-relay slots are filled, except that
    Config.Anchors (the last run's block-relay-only peers) are dialed
    first. ConnReq.Type tells the owner which kind a connection is, so it
    sends relay=false and relays no transactions or addresses on it.
  - Once StartExtraBlockRelay is called (by the sync manager, after the
    initial sync) and every slot is taken, it makes one extra
    block-relay-only connection about every ExtraBlockRelayInterval (5
    minutes, exponentially distributed), Core's extra block-relay-only
    peer; ExtraBlockRelay counts it, so the sync manager can evict the
    youngest block-relay-only peer (or the next youngest, when the
    youngest brought a block more recently).
  - When every slot is taken it starts a feeler about every FeelerInterval
    (2 minutes, exponentially distributed) to an address from
    Config.GetFeelerAddress (the address manager's new table); a feeler
    uses no slot, and the owner disconnects it after the handshake.
  - It dials permanent requests (--addpeer, --connect, addnode add) and
    redials them after failures and disconnects with exponential backoff from
    RetryDuration capped at MaxRetryDuration, until Remove.
  - It dials through Config.Dial, usually a Dialer: direct, through a SOCKS5
    proxy (--proxy, with optional RFC 1929 credentials) or through a
    separate onion proxy (--onion) for .onion hosts. Host names are passed to
    the proxy, never resolved locally.

Every connection handed out is wrapped so that its first Close frees its
slot: the owner (the server's peer) just closes it. Closing an outbound
connection calls Config.OnDisconnection and, for a permanent request,
schedules a redial. Cancelling Run's context closes the listeners, cancels
dials and retry timers and waits for every goroutine the manager started;
established connections stay with their owner.

BanList holds banned subnets with expiry times (setban, listbanned,
clearbanned, and the misbehaviour ban). LoadFile reads banlist.json at
start (a damaged file is reported and ignored), SaveFile writes it after
an operator's change and at shutdown, and SaveFileIfDirty, called
periodically, writes it off the hot path when an automatic ban changed it.
Operator bans (ManualBanUntil) outlive automatic ones at the MaxBanEntries
cap, and expiries saturate at MaxBanUntil.

SaveAnchors writes the block-relay-only peers to anchors.dat at shutdown
and LoadAnchors reads and deletes the file at the next start, returning
the addresses for Config.Anchors (Core's DumpAnchors and ReadAnchors).
Every state file is replaced atomically (internal/atomicfile).

Typical wiring in the server:

	bans := connmgr.NewBanList()
	ls, err := connmgr.Listen(cfg.Listeners)
	cm := connmgr.New(&connmgr.Config{
		Listeners:      ls,
		OnAccept:       s.inboundPeerConnected,
		OnConnection:   s.outboundPeerConnected,
		GetNewAddress:  s.newAddress, // addrmgr selection, nil with --connect
		Dial:           (&connmgr.Dialer{Proxy: proxy, OnionProxy: onion}).DialContext,
		IsBanned:       bans.IsBannedAddr,
		TargetOutbound: 8,
		MaxPeers:       cfg.MaxPeers,
	})
	go cm.Run(ctx)
*/
package connmgr
