package txscript

import (
	"strconv"
	"strings"
)

// sigHashTypeNames are the hash types ScriptToAsm decodes after signatures.
var sigHashTypeNames = map[byte]string{
	byte(SigHashAll):                          "ALL",
	byte(SigHashAll | SigHashAnyOneCanPay):    "ALL|ANYONECANPAY",
	byte(SigHashNone):                         "NONE",
	byte(SigHashNone | SigHashAnyOneCanPay):   "NONE|ANYONECANPAY",
	byte(SigHashSingle):                       "SINGLE",
	byte(SigHashSingle | SigHashAnyOneCanPay): "SINGLE|ANYONECANPAY",
}

// coreOpName is Core's GetOpName: small numbers as digits, known opcodes by
// name, the rest "OP_UNKNOWN".
func coreOpName(op byte) string {
	switch {
	case op == OP_0:
		return "0"
	case op == OP_1NEGATE:
		return "-1"
	case op >= OP_1 && op <= OP_16:
		return strconv.Itoa(int(op - OP_1 + 1))
	case op > OP_CHECKSIGADD:
		return "OP_UNKNOWN"
	}
	return opcodeNames[op]
}

// ScriptToAsm renders script as Bitcoin Core's ScriptToAsmStr does (the
// "asm" fields of decodescript and decoderawtransaction): pushes of up to 4
// bytes as decimal numbers, longer pushes as hex, and with
// attemptSigHashDecode a trailing "[ALL]"-style hash type after data that is
// a strictly encoded signature. A parse failure ends in "[error]".
func ScriptToAsm(script []byte, attemptSigHashDecode bool) string {
	var sb strings.Builder
	unspendable := IsUnspendable(script)
	t := MakeScriptTokenizer(script)
	for !t.Done() {
		if sb.Len() > 0 {
			sb.WriteByte(' ')
		}
		if !t.Next() {
			sb.WriteString("[error]")
			break
		}
		op, data := t.Opcode(), t.Data()
		if op > OP_PUSHDATA4 {
			sb.WriteString(coreOpName(op))
			continue
		}
		if len(data) <= 4 {
			n, _ := makeScriptNum(data, false, maxScriptNumLen)
			sb.WriteString(strconv.FormatInt(int64(n.Int32()), 10))
			continue
		}
		if attemptSigHashDecode && !unspendable && IsStrictDERSignature(data) {
			if name, ok := sigHashTypeNames[data[len(data)-1]]; ok {
				sb.Write(appendHex(nil, data[:len(data)-1]))
				sb.WriteString("[" + name + "]")
				continue
			}
		}
		sb.Write(appendHex(nil, data))
	}
	return sb.String()
}
