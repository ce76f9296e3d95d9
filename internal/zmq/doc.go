/*
Package zmq publishes Bitcoin Core's ZeroMQ notifications: the topics
hashblock, hashtx, rawblock, rawtx and sequence, each on a PUB socket bound
to the address its -zmqpub<topic> option names, in pure Go
(github.com/go-zeromq/zmq4).

Every message has three frames, as Core's: the topic, the body, and the
topic's own 4-byte little-endian sequence number, which starts at 0 and
grows by one per message of that topic, whether or not a subscriber was
there to receive it (a gap tells a subscriber it lost messages). Bodies:

	hashblock, hashtx   the 32-byte hash, in the byte order RPC prints
	rawblock, rawtx     the serialization, witness included
	sequence            hash | 'C' (block connected) | 'D' (disconnected)
	                    hash | 'A' (added to the pool) | 'R' (removed) |
	                    the pool's 8-byte little-endian sequence number

Core's rules for what is sent are kept: rawtx and hashtx for every
transaction the pool accepts and for every transaction of a connected or a
disconnected block; sequence A for an addition to the pool and R for a
removal other than a confirmation; C and D for every block connected or
disconnected; hashblock and rawblock only for the block that becomes the
tip at the end of a chain update, and not during initial block download.
The pool's sequence numbers are those of getrawmempool's mempool_sequence,
so a subscriber can take a snapshot with getrawmempool and apply the events
numbered from its mempool_sequence on.

Each socket has a high-water mark (-zmqpub<topic>hwm, default 1000
messages): past it, messages for it are dropped rather than queued, so a
slow subscriber costs bounded memory and never slows the node.

Usage:

	n, err := zmq.New(zmq.Config{Endpoints: []zmq.Endpoint{
		{Topic: zmq.TopicRawBlock, Address: "tcp://127.0.0.1:28332"},
	}})
	if err != nil { ... }                  // a bad address, named
	if err := n.Start(ctx, pool); err != nil { ... } // binds the sockets
	...
	n.BlockConnected(block, hash, isTip)   // from the chain's notifications
	n.BlockDisconnected(block, hash)
	...
	n.Stop()

The pool's additions and removals are not pushed in: the notifier reads
them from the pool's bounded event queue (mempool.TxPool.TakeEvents) when
the pool signals, and before publishing a block event, so the events of a
block's conflicts come before the block. Nothing runs under the pool's
lock.
*/
package zmq
