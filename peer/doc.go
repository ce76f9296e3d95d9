/*
Package peer runs one Bitcoin P2P connection: the version handshake, the
read and write loops, the outbound queue, inventory trickling, pings, and
the misbehaviour score. It knows nothing of the chain or the mempool; the
server reacts to messages through MessageListeners.

# Life of a peer

	cfg := &peer.Config{Net: params.Net, UserAgentName: "ternd", UserAgentVersion: version,
		NewestBlock: bestHeight, Nonces: nonces, // one NonceSet shared by all peers
		Listeners: peer.MessageListeners{OnVerAck: s.onVerAck, OnInv: s.onInv, ...},
		OnBan: func(p *peer.Peer, reason string) { s.ban(p.Addr(), reason) }}
	p := peer.NewInboundPeer(cfg, id, conn) // or NewOutboundPeer for a dialed conn
	go func() { err := p.Run(ctx); s.peerDone(p, err) }()

Run performs the handshake: the dialing side sends version first; each side
answers a version with wtxidrelay and sendaddrv2 (protocol 70016) and verack;
after the peer's verack it sends sendheaders and feefilter and calls OnVerAck.
We announce protocol 70016, services NODE_NETWORK|NODE_WITNESS|
NODE_NETWORK_LIMITED, user agent /ternd:<version>/, our height and the relay
flag. Versions below MinProtocolVersion, our own nonce (a connection to
ourselves, detected through the shared NonceSet), a verack before version
and a handshake slower than HandshakeTimeout end the connection.

After the handshake Run reads messages until the connection ends, answering
pings and recording pongs itself and handing everything else to the
listeners, which run on the read goroutine in order and must not block.
Run returns why the connection ended (errors.Is with the ErrorKind values)
only when its goroutines have stopped and the connection is closed.

# Sending

QueueMessage encodes a message at once and queues it: control messages
(version, verack, ping, pong, feefilter, sendheaders, ...) go ahead of data.
Queued data is capped at MaxQueueBytes and each write must finish within
WriteStallTimeout; a peer that cannot keep up is disconnected.
QueueInventory adds an announcement to the trickle: every Poisson-distributed
interval (mean 2 s outbound, 5 s inbound) up to 1,000 pending announcements
the peer does not already know go out in one inv. The known-inventory filter
is bounded (50,000 entries, oldest forgotten first) and fed by both
directions.

# Policing

A ping goes out every PingInterval (2 minutes) with a random nonce; the
matching pong gives the round trip time; Ping sends one at once (the ping
RPC) unless one is outstanding. Nothing received for IdleTimeout
(20 minutes), or a ping unanswered as long, disconnects. Misbehaving adds to
the score; at BanThreshold (100) OnBan is called once and the peer is
disconnected, unless SetNoBan (--whitelist) was set. Bad messages are never
scored, as in Core: framing that loses the stream (wrong magic, a length
above the protocol maximum) disconnects; a bad checksum, malformed command,
undecodable payload or trailing bytes drops the message after the
handshake and disconnects during it; unknown commands are skipped.

Listeners run on the peer's read goroutine. Work they wait for on the
peer's behalf (serving getdata, a block being handled) uses Disconnected as
its quit channel, which closes at disconnection; Done closes only when Run
returns, after the read goroutine. When the write loop ends, the done
channel of every message still queued is signalled and the queue freed.

StatsSnapshot gives what getpeerinfo shows: addresses, direction, services,
version, user agent, heights, bytes and messages per command, ping times,
ban score, relay preferences.
*/
package peer
