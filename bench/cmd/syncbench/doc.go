/*
Syncbench measures an initial block download over P2P: a fresh ternd and a
fresh btcd v0.26.2 each sync the same generated regtest chain (by default
2,000 blocks and 100,697 transactions) from the same source peer, one node at
a time, and it prints blocks/s, transactions/s, the node's CPU seconds and
its peak resident memory side by side.

	cd bench && go run ./cmd/syncbench               # one run per node
	go run ./cmd/syncbench -runs 3                   # interleaved, median per node
	go run ./cmd/syncbench -signed=false             # OP_TRUE outputs, no signatures
	go run ./cmd/syncbench -source btcd              # btcd serves the chain
	go run ./cmd/syncbench -gogc 100                 # the same GOGC for both nodes

The chain follows the recipe of blockchain's BenchmarkIBD: 101 blocks to
mature a coinbase, one block splitting it into -pool outputs, then -txs
one-input one-output spends per block (200 satoshis of fee each), oldest
outputs first. Blocks are made by blockgen.go, a small copy of chaingen's
block making (chaingen imports blockchain and so goleveldb, which
bench/go.sum does not list). With -signed (the default) every pool output
is P2WPKH and every spend carries a real ECDSA signature, so syncing is
mostly signature checking, as a real download without assumed-valid blocks
is; with -signed=false the outputs are OP_TRUE and no signature is checked.
The first block's time is set so the tip is ten minutes before generation
time (btcd v0.26.2 switches BIP16 on by block time, and both nodes leave
initial download only near the present). The blocks are cached in a file
under the user cache folder keyed by the parameters, so later runs skip
generating and signing.

The source is a ternd (or, with -source btcd, a btcd) started on free
127.0.0.1 ports in a temporary folder and loaded with submitblock (JSON-RPC
2.0 batches). Each syncing node starts with --connect=<source> in its own
temporary folder; the clock runs from the process start until its
getbestblockhash equals the source's tip (polled every 100 ms), and the
source's CPU time over the same span is recorded. CPU time is utime+stime of
/proc/PID/stat and peak memory is VmHWM of /proc/PID/status, both read at
that moment. ternd is built from the committed HEAD (git archive), btcd is
<repo>/tools/bin/btcd (installed when missing). btcd sets GOGC=10 for
itself unless GOGC is set; -gogc sets it for both syncing nodes.
*/
package main
