/*
Package psbt decodes, encodes, combines, finalizes and extracts Partially
Signed Bitcoin Transactions: version 0 (BIP174) and version 2 (BIP370).

A Packet keeps each map's key-value pairs in the order they came, so a
PSBT decodes and encodes again byte for byte, unknown and proprietary
fields included; every known field is checked while decoding (key and
value sizes, the unsigned transaction, the fields each version requires
and forbids). The roles that edit a PSBT (Combine, Finalize, the Set
methods) keep the maps in Bitcoin Core's canonical order.

Usage:

	p, err := psbt.DecodeBase64(s) // a psbt.Error whose Description is Core's message
	if err != nil { ... }
	if p.Finalize() {
		tx, err := p.Extract()
		...
	}
	fmt.Println(p.Base64())
*/
package psbt
