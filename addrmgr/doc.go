/*
Package addrmgr keeps the addresses of Bitcoin nodes the way Bitcoin Core's
addrman does, and chooses which to dial.

Addresses (IPv4, IPv6 and Tor v3; never local, private or reserved ones)
live in two tables: "new" (1,024 buckets of 64 slots) for addresses heard
about, and "tried" (256 buckets of 64) for addresses we completed a
handshake with. Bucket and slot come from a SHA-256 hash keyed with a random
per-node secret, over the address's network group (GroupKey: IPv4 /16, IPv6
/32, onion by its first four key bits, 6to4 and Teredo by their IPv4) and
the group of the peer that told us. One source group reaches at most 64 new
buckets and one address group at most 8 tried buckets, so no single peer or
network can fill the tables. Collisions evict terrible entries (IsTerrible
rules: too old, from the future, failing). An address made good whose
tried slot is taken waits in new (Core's test-before-evict, at most 10
such collisions): FeelerAddress offers the slot's occupant to a feeler
first, and ResolveCollisions keeps the occupant if it answers (or answered
in the last four hours), else moves the newcomer in and the occupant back
to new, after a failed attempt or 40 minutes without a test.

How the server uses it:

	am := addrmgr.New(&addrmgr.Config{DataDir: dir, Lookup: resolver,
		DNSSeeds: params.DNSSeeds, DefaultPort: port})
	go am.Run(ctx) // loads peers.json, seeds from DNS if nearly empty,
	               // saves every 15 minutes and at shutdown
	// addr/addrv2 from a peer, filtered by its TokenBucket:
	kept, _ := addrmgr.FilterByTokens(addrmgr.FromAddrMsg(msg), bucket, time.Now())
	am.AddAddresses(kept, peerAddr)
	// connmgr's address source (selects, skips recent tries and odd ports,
	// records the attempt) and group function:
	connmgr.Config{GetNewAddress: am.NewAddress, GroupKey: addrmgr.NetAddrGroupKey,
		// feelers test addresses from the new table only:
		GetFeelerAddress: am.FeelerAddress}
	// outbound (or feeler) handshake done, which moves it to tried:
	am.Good(na); am.SetServices(na, services)
	// getaddr, answered once per connection from a day-long cache:
	v2 := p.WantsAddrV2()
	for _, m := range addrmgr.AddrMessages(am.CachedAddressCache(v2), v2) {
		p.QueueMessage(m, nil)
	}
	// getnodeaddresses (count 0 for all, network 0 for every network):
	addrs := am.Addresses(count, 0, network)

GetAddress is Core's Select: tried or new with even odds, then a random
entry accepted with its chance (lower after recent or failed attempts);
GetNewTableAddress (and FeelerAddress) is Select(new_only=true).
The one-connection-per-group rule is enforced by connmgr, which should use
NetAddrGroupKey as its GroupKey. AddressCache answers getaddr with about 23%
of the table, at most 1,000 addresses, only IPv4/IPv6 for peers that did not
send sendaddrv2; Addresses is the same draw (Core's GetAddr) with the
caller's count, percentage and network, for getnodeaddresses. TokenBucket (NewAddrTokenBucket) is the per-peer limit on
incoming addresses: 0.1 per second, at most 1,000, plus 1,000 after we send
getaddr.

peers.json is written atomically (internal/atomicfile). A corrupt
file is moved aside as peers.json.corrupt-<time> and the manager starts
empty; that is logged, never fatal.

AddrManager is safe for concurrent use; one mutex guards it.
*/
package addrmgr
