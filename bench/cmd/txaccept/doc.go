// Command txaccept measures how fast a node accepts transactions over
// JSON-RPC, ternd beside btcd (v0.26.2), on the same transaction shapes.
//
// For each node it builds or finds the binary (ternd: `go build` of the
// repository's root package into a temporary folder; btcd: the pinned
// <repo>/tools/bin/btcd, installed with `go install` when missing), starts it
// on 127.0.0.1 with free ports and a temporary data folder, and funds a key
// the harness holds: it mines coinbases to the key's P2WPKH address (btcd:
// `generate` paying --miningaddr; ternd: `generatetoaddress`), spends them
// in fan-out transactions of up to 2,000 outputs, and mines those. It then
// signs, before any timing starts, version-2 one-input one-output P2WPKH
// spends of the fan-out outputs: N independent transactions and N/depth
// chains `depth` deep (25, the ancestor limit), twice each, and submits them
// with sendrawtransaction in four phases:
//
//	independent/single   one request per transaction, -senders concurrent senders
//	chain/single         one request per transaction, each sender a whole chain in order
//	independent/batch    JSON-RPC 2.0 batch arrays of -batch transactions
//	chain/batch          batches of whole chains, in order
//
// Every phase reports accepted transactions per second (wall clock from the
// first request to the last reply), the node's CPU time per accepted
// transaction (utime+stime from /proc/PID/stat) and the change in its
// resident memory (VmRSS from /proc/PID/status). After the last phase the
// pool holds every accepted transaction; the growth of VmRSS since the
// first phase divided by getmempoolinfo's size is the memory per pooled
// transaction. Request bodies are encoded before timing, so the client's own
// work during a phase is sending bytes and reading replies.
//
// The nodes run one after the other, never together. Each node is stopped
// (SIGINT, then SIGKILL after a timeout; on Linux also when the harness
// dies) and its temporary folder removed, whatever happens.
//
// Usage, from the bench module:
//
//	go run ./cmd/txaccept [-n 5000] [-nodes btcd,ternd] [-senders 4] [-batch 100]
//
// The command reads /proc and so runs on Linux only.
package main
