package rpcserver

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/internal/rpcjson"
	"github.com/tern-org/ternd/mempool"
	"github.com/tern-org/ternd/wire"
)

// This file holds the parameter helpers every handler shares: Core's
// amounts (parsed from BTC and printed as BTC), hashes, hex, transactions,
// blocks and packages, each with Core's error codes and messages.

// amount is a satoshi value that encodes as BTC with eight decimals, the
// way Core's ValueFromAmount prints it (50.00000000).
type amount int64

// MarshalJSON implements json.Marshaler.
func (a amount) MarshalJSON() ([]byte, error) {
	v := int64(a)
	sign := ""
	if v < 0 {
		sign = "-"
		if v == math.MinInt64 {
			return []byte("-92233720368.54775808"), nil
		}
		v = -v
	}
	return []byte(fmt.Sprintf("%s%d.%08d", sign, v/1e8, v%1e8)), nil
}

// maxMoney is Core's MAX_MONEY, 21 million BTC in satoshis.
const maxMoney = 21000000 * 100000000

// parseAmount decodes a BTC amount given as a JSON number or string, as
// Core's AmountFromValue: at most eight decimals, between 0 and 21 million
// BTC.
func parseAmount(raw json.RawMessage) (int64, error) {
	s := strings.TrimSpace(string(raw))
	if len(s) > 1 && s[0] == '"' {
		if err := json.Unmarshal(raw, &s); err != nil {
			return 0, rpcjson.NewRPCError(rpcjson.ErrRPCType, "Amount is not a number or string")
		}
	} else if s == "" || !(s[0] == '-' || (s[0] >= '0' && s[0] <= '9')) {
		return 0, rpcjson.NewRPCError(rpcjson.ErrRPCType, "Amount is not a number or string")
	}
	v, ok := parseFixed8(s)
	if !ok {
		return 0, rpcjson.NewRPCError(rpcjson.ErrRPCType, "Invalid amount")
	}
	if v < 0 || v > maxMoney {
		return 0, rpcjson.NewRPCError(rpcjson.ErrRPCType, "Amount out of range")
	}
	return v, nil
}

// parseFixed8 parses a decimal with at most eight fractional digits into
// units of 1e-8 (Core's ParseFixedPoint(s, 8), without exponents beyond
// what strconv accepts exactly).
func parseFixed8(s string) (int64, bool) {
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	if strings.ContainsAny(s, "eE") {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || f > 1e10 {
			return 0, false
		}
		s = strconv.FormatFloat(f, 'f', -1, 64)
	}
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" || len(whole) > 11 || len(frac) > 8 {
		return 0, false
	}
	for _, c := range whole + frac {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	frac += strings.Repeat("0", 8-len(frac))
	w, err1 := strconv.ParseInt(whole, 10, 64)
	f, err2 := strconv.ParseInt(frac, 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	v := w*1e8 + f
	if neg {
		v = -v
	}
	return v, true
}

// hashParam decodes positional parameter i as a 256-bit hash in Core's
// byte-reversed hex, with Core's ParseHashV errors naming the parameter.
func hashParam(params []json.RawMessage, i int, name string) (chainhash.Hash, error) {
	var s string
	if _, err := rpcjson.UnmarshalParam(params, i, name, &s); err != nil {
		return chainhash.Hash{}, err
	}
	return parseHash(s, name)
}

// parseHash is Core's ParseHashV.
func parseHash(s, name string) (chainhash.Hash, error) {
	if len(s) != 2*chainhash.HashSize {
		return chainhash.Hash{}, rpcjson.NewRPCErrorf(rpcjson.ErrRPCInvalidParameter,
			"%s must be of length %d (not %d, for '%s')", name, 2*chainhash.HashSize, len(s), s)
	}
	h, err := chainhash.NewHashFromStr(s)
	if err != nil || !isHex(s) {
		return chainhash.Hash{}, rpcjson.NewRPCErrorf(rpcjson.ErrRPCInvalidParameter,
			"%s must be hexadecimal string (not '%s')", name, s)
	}
	return *h, nil
}

// isHex reports whether s is a non-empty even-length hex string.
func isHex(s string) bool {
	if len(s) == 0 || len(s)%2 != 0 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// stringParam is rpcjson.UnmarshalParam for a string parameter, with a
// fast path for a JSON string without escapes (every hex string): its bytes
// between the quotes are the value, so the request's already validated JSON
// is not scanned twice more to decode a transaction's hex.
func stringParam(params []json.RawMessage, i int, name string, v *string) (bool, error) {
	if i < len(params) {
		if raw := params[i]; len(raw) >= 2 && raw[0] == '"' && raw[len(raw)-1] == '"' &&
			bytes.IndexByte(raw[1:len(raw)-1], '\\') < 0 && bytes.IndexByte(raw[1:len(raw)-1], '"') < 0 {
			*v = string(raw[1 : len(raw)-1])
			return true, nil
		}
	}
	return rpcjson.UnmarshalParam(params, i, name, v)
}

// decodeTx is Core's DecodeHexTx: hex, then the extended (witness)
// serialization and, when that fails or leaves bytes, the legacy one. With
// tryWitness/tryNoWitness it can be limited to one of them.
func decodeTx(s string, tryNoWitness, tryWitness bool) (*wire.MsgTx, bool) {
	if !isHex(s) {
		return nil, false
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil, false
	}
	if tryWitness {
		tx := new(wire.MsgTx)
		if n, err := tx.DeserializeBytes(b); err == nil && n == len(b) {
			return tx, true
		}
	}
	if tryNoWitness {
		tx := new(wire.MsgTx)
		if n, err := tx.DeserializeBytesNoWitness(b); err == nil && n == len(b) {
			return tx, true
		}
	}
	return nil, false
}

const (
	// defaultMaxRawTxFeeRate is Core's DEFAULT_MAX_RAW_TX_FEE_RATE: 0.10
	// BTC/kvB, in sat/kvB.
	defaultMaxRawTxFeeRate = 10000000
)

// feeRateParam decodes a maxfeerate parameter (BTC/kvB) into sat/kvB.
func feeRateParam(params []json.RawMessage, i int) (int64, error) {
	if !rpcjson.Present(params, i) {
		return defaultMaxRawTxFeeRate, nil
	}
	v, err := parseAmount(params[i])
	if err != nil {
		return 0, err
	}
	if v >= 1e8 {
		return 0, rpcjson.NewRPCError(rpcjson.ErrRPCInvalidParameter,
			"Fee rates larger than or equal to 1BTC/kvB are not accepted")
	}
	return v, nil
}

// legacyFeeRateParam is feeRateParam that also takes the boolean
// allowhighfees of bitcoind before 0.19, which clients such as btcd's
// rpcclient still send when they take the server for an old bitcoind:
// true lifts the cap (maxfeerate 0), false keeps the default.
func legacyFeeRateParam(params []json.RawMessage, i int) (int64, error) {
	if rpcjson.Present(params, i) {
		switch string(bytes.TrimSpace(params[i])) {
		case "true":
			return 0, nil
		case "false":
			return defaultMaxRawTxFeeRate, nil
		}
	}
	return feeRateParam(params, i)
}

// maxBurnParam reads the maxburnamount parameter at params[i] (BTC),
// 0 when it is absent.
func maxBurnParam(params []json.RawMessage, i int) (int64, error) {
	if !rpcjson.Present(params, i) {
		return 0, nil
	}
	return parseAmount(params[i])
}

// packageParam reads the array of raw transactions at params[0] (named
// name), of 1 to MaxPackageCount entries, as testmempoolaccept and
// submitpackage take it.
func packageParam(params []json.RawMessage, name string) ([]string, error) {
	var raws []string
	if _, err := rpcjson.UnmarshalParam(params, 0, name, &raws); err != nil {
		return nil, err
	}
	if len(raws) < 1 || len(raws) > mempool.MaxPackageCount {
		return nil, rpcjson.NewRPCErrorf(rpcjson.ErrRPCInvalidParameter,
			"Array must contain between 1 and %d transactions.", mempool.MaxPackageCount)
	}
	return raws, nil
}

// decodePackage decodes each raw transaction in order, with Core's error
// for the first that does not decode, and runs check (when not nil) on
// each as it is decoded.
func decodePackage(raws []string, check func(*wire.MsgTx) error) ([]*wire.MsgTx, error) {
	txs := make([]*wire.MsgTx, len(raws))
	for i, raw := range raws {
		tx, ok := decodeTx(raw, true, true)
		if !ok {
			return nil, rpcjson.NewRPCError(rpcjson.ErrRPCDeserialization,
				"TX decode failed: "+raw+" Make sure the tx has at least one input.")
		}
		if check != nil {
			if err := check(tx); err != nil {
				return nil, err
			}
		}
		txs[i] = tx
	}
	return txs, nil
}

// decodeBlock decodes a hex block with Core's submitblock errors.
func decodeBlock(hexStr string) (*wire.MsgBlock, error) {
	if !isHex(hexStr) {
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCDeserialization, "Block decode failed")
	}
	b, _ := hex.DecodeString(hexStr)
	block := new(wire.MsgBlock)
	if n, err := block.DeserializeBytes(b); err != nil || n != len(b) {
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCDeserialization, "Block decode failed")
	}
	return block, nil
}
