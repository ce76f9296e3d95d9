package txscript

import (
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
)

// coreOpNames maps Core's opcode names (with and without OP_) to opcodes.
var coreOpNames = func() map[string]byte {
	m := make(map[string]byte)
	for op := OP_1NEGATE; op <= OP_CHECKSIGADD; op++ {
		if op >= OP_1 && op <= OP_16 {
			continue
		}
		name := opcodeNames[op]
		switch op {
		case OP_CHECKLOCKTIMEVERIFY, OP_CHECKSEQUENCEVERIFY:
		}
		m[name] = byte(op)
		m[strings.TrimPrefix(name, "OP_")] = byte(op)
	}
	for i := 1; i <= 16; i++ {
		// Core's names for OP_1..OP_16 are "1".."16" after trimming, which
		// collide with numbers; only the OP_ forms are names.
		m[fmt.Sprintf("OP_%d", i)] = byte(OP_1 + i - 1)
	}
	m["OP_0"], m["OP_FALSE"], m["FALSE"] = OP_0, OP_0, OP_0
	m["OP_TRUE"], m["TRUE"] = OP_1, OP_1
	m["OP_NOP2"], m["NOP2"] = OP_CHECKLOCKTIMEVERIFY, OP_CHECKLOCKTIMEVERIFY
	m["OP_NOP3"], m["NOP3"] = OP_CHECKSEQUENCEVERIFY, OP_CHECKSEQUENCEVERIFY
	return m
}()

// parseCoreScript is Bitcoin Core's ParseScript (core_read.cpp), used by
// the test vectors' script text format.
func parseCoreScript(s string) ([]byte, error) {
	var out []byte
	for _, w := range strings.FieldsFunc(s, func(r rune) bool {
		return r == ' ' || r == '\t' || r == '\n'
	}) {
		isNum := len(w) > 0
		for i, c := range w {
			if c >= '0' && c <= '9' {
				continue
			}
			if c == '-' && i == 0 && len(w) > 1 {
				continue
			}
			isNum = false
			break
		}
		switch {
		case isNum:
			n, err := strconv.ParseInt(w, 10, 64)
			if err != nil || n > 0xffffffff || n < -0xffffffff {
				return nil, fmt.Errorf("number %q out of range", w)
			}
			out = appendScriptInt(out, n)
		case strings.HasPrefix(w, "0x") && len(w) > 2:
			b, err := hex.DecodeString(w[2:])
			if err != nil {
				return nil, fmt.Errorf("bad hex %q", w)
			}
			out = append(out, b...)
		case len(w) >= 2 && w[0] == '\'' && w[len(w)-1] == '\'':
			out = appendPush(out, []byte(w[1:len(w)-1]))
		default:
			op, ok := coreOpNames[w]
			if !ok {
				return nil, fmt.Errorf("unknown opcode %q", w)
			}
			out = append(out, op)
		}
	}
	return out, nil
}

// appendScriptInt is CScript << int64.
func appendScriptInt(dst []byte, n int64) []byte {
	if n == -1 || (n >= 1 && n <= 16) {
		return append(dst, byte(int64(OP_1)+n-1))
	}
	if n == 0 {
		return append(dst, OP_0)
	}
	return appendPush(dst, scriptNum(n).Bytes())
}
