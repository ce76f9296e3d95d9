/*
Package blockfilter implements BIP158 compact block filters: the
Golomb-coded set (GCS) they are made of, the basic filter of a block, and
the filter header chain that BIP157 light clients verify.

# Golomb-coded sets

A Filter holds N items, each hashed with SipHash-2-4 under a 128-bit key
into the range [0, N*M) and stored as sorted differences, Golomb-Rice coded
with parameter P. The serialized filter is CompactSize(N) followed by the
bit stream padded to a byte. Match and MatchAny test whether an item may be
in the set: a false positive has probability about 1/M, a false negative
never happens.

	f, err := blockfilter.New(blockfilter.BasicP, blockfilter.BasicM, key, items)
	ok, err := f.MatchAny(key, queries)
	raw := f.Bytes()
	f2, err := blockfilter.FromBytes(blockfilter.BasicP, blockfilter.BasicM, raw)

FromBytes checks that the stream really holds N values, so a filter from a
peer that decodes can be matched without further checks.

# The basic filter

BuildBasic makes BIP158's basic filter (type 0, P=19, M=784931) of a block
from the block and the scripts of the outputs its inputs spend (in the
chain's undo data): every output script except empty and OP_RETURN ones,
and every non-empty spent script, deduplicated, keyed by the first 16 bytes
of the block hash. FilterHash and MakeHeader give the filter hash and the
header chained on the previous block's header (all zeros before genesis).
*/
package blockfilter
