module github.com/tern-org/ternd/bench/rpcclient024

go 1.26.0

// btcd v0.24.2's rpcclient, the release before v0.26's split modules, in a
// module of its own so that it and v0.26.2 (bench's go.mod) each keep
// their version.
replace github.com/tern-org/ternd => ../../

require (
	github.com/btcsuite/btcd v0.24.2
	github.com/tern-org/ternd v0.0.0-00010101000000-000000000000
)

require (
	github.com/btcsuite/btcd/btcec/v2 v2.3.5 // indirect
	github.com/btcsuite/btcd/btcutil v1.1.5 // indirect
	github.com/btcsuite/btcd/chaincfg/chainhash v1.2.0 // indirect
	github.com/btcsuite/btclog v1.0.0 // indirect
	github.com/btcsuite/go-socks v0.0.0-20170105172521-4720035b7bfd // indirect
	github.com/btcsuite/websocket v0.0.0-20150119174127-31079b680792 // indirect
	github.com/decred/dcrd/crypto/blake256 v1.0.0 // indirect
	github.com/decred/dcrd/dcrec/secp256k1/v4 v4.0.1 // indirect
	golang.org/x/crypto v0.58.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
)
