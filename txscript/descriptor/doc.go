/*
Package descriptor parses output script descriptors (BIPs 380 to 386) and
expands them to output scripts: pk(), pkh(), wpkh(), combo(), sh(),
wsh(), multi(), sortedmulti(), tr() with script trees of pk(), pkh(),
multi_a() and sortedmulti_a() leaves, rawtr(), addr() and raw(), with
BIP380's checksum and key expressions (hex and WIF keys, BIP32 extended
keys with derivation paths, ranges and [fingerprint/path] origins).

It serves the RPC methods that take descriptors (getdescriptorinfo,
deriveaddresses, scantxoutset) and holds BIP32 derivation (ExtKey) for
them: hardened steps need the extended private key.

Usage:

	d, err := descriptor.Parse("wpkh(tpub.../0/*)#checksum", params, true)
	if err != nil { ... } // a descriptor.Error whose Description is Core's message
	scripts, err := d.Scripts(5) // the output scripts at range position 5
	fmt.Println(d.String())      // the public form with its checksum
*/
package descriptor
