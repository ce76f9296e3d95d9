/*
Package metrics serves an operator's view of the node over HTTP: Prometheus
metrics at /metrics and a status page at /.

Most figures are read when they are asked for. Collector is a
prometheus.Collector over small interfaces to the node (ChainSource,
PoolSource, PeerSource, AddrSource, BanSource), the way internal/rpcserver's
handlers reach the node through adaptors: a scrape asks the chain for its
height, the pool for its size and fee rates, the peer set for its peers and
traffic, so nothing is counted on the hot paths and nothing can drift from
what getblockchaininfo or getmempoolinfo say.

What only an event can tell is counted by Events, fed through the narrowest
hook the node has: the pool's return values where a transaction is handed
to it (TxProcessed), the RPC server's execute path (RPCRequest), and the
chain's notifications (BlockConnected with the validation time the chain
measured, BlockDisconnected for reorganisations). Events' methods are safe
for concurrent use and never block.

The status page (StatusHandler) is server-rendered with html/template: no
script, no external asset, the pool's fee-rate histogram drawn as inline
SVG, and a meta refresh every few seconds.

Server puts both on one listener the daemon bound at start (--metricslisten)
and stops with the daemon. Metric names follow Prometheus' conventions:
the ternd_ prefix, base units (seconds, bytes) in the name, _total on
counters; README.md lists them.
*/
package metrics
