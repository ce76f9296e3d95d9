package txscript

import (
	"encoding/binary"
	"fmt"
)

// ScriptTokenizer walks a script one opcode at a time without allocating.
// Data pushes are returned as sub-slices of the script, so callers must not
// modify them. The zero value is not usable; use MakeScriptTokenizer.
type ScriptTokenizer struct {
	script []byte
	offset int
	op     byte
	data   []byte
	err    error
}

// MakeScriptTokenizer returns a tokenizer positioned before the first opcode of
// script.
func MakeScriptTokenizer(script []byte) ScriptTokenizer {
	return ScriptTokenizer{script: script}
}

// Next advances to the next opcode and reports whether there was one. It
// returns false at the end of the script or when a push runs past the end, in
// which case Err returns an ErrMalformedPush error.
func (t *ScriptTokenizer) Next() bool {
	if t.Done() {
		return false
	}
	op := t.script[t.offset]
	var n int
	hdr := 1
	switch {
	case op > 0 && op < OP_PUSHDATA1:
		n = int(op)
	case op == OP_PUSHDATA1:
		if len(t.script)-t.offset < 2 {
			return t.fail(op)
		}
		n = int(t.script[t.offset+1])
		hdr = 2
	case op == OP_PUSHDATA2:
		if len(t.script)-t.offset < 3 {
			return t.fail(op)
		}
		n = int(binary.LittleEndian.Uint16(t.script[t.offset+1:]))
		hdr = 3
	case op == OP_PUSHDATA4:
		if len(t.script)-t.offset < 5 {
			return t.fail(op)
		}
		v := binary.LittleEndian.Uint32(t.script[t.offset+1:])
		if uint64(v) > uint64(len(t.script)) {
			return t.fail(op)
		}
		n = int(v)
		hdr = 5
	default:
		t.op = op
		t.data = nil
		t.offset++
		return true
	}
	start := t.offset + hdr
	if n > len(t.script)-start {
		return t.fail(op)
	}
	t.op = op
	t.data = t.script[start : start+n : start+n]
	t.offset = start + n
	return true
}

func (t *ScriptTokenizer) fail(op byte) bool {
	t.err = scriptError(ErrMalformedPush, fmt.Sprintf(
		"opcode %s at offset %d pushes past the end of the script",
		opcodeNames[op], t.offset))
	t.offset = len(t.script)
	t.op = op
	t.data = nil
	return false
}

// Done reports whether the tokenizer has reached the end or failed.
func (t *ScriptTokenizer) Done() bool {
	return t.err != nil || t.offset >= len(t.script)
}

// Err returns the parse error, if any.
func (t *ScriptTokenizer) Err() error {
	return t.err
}

// Opcode returns the current opcode.
func (t *ScriptTokenizer) Opcode() byte {
	return t.op
}

// Data returns the current push's data (nil for non-push opcodes).
func (t *ScriptTokenizer) Data() []byte {
	return t.data
}

// ByteIndex returns the offset just past the current opcode.
func (t *ScriptTokenizer) ByteIndex() int {
	return t.offset
}

// Script returns the whole script being tokenized.
func (t *ScriptTokenizer) Script() []byte {
	return t.script
}

// IsPushOnlyScript reports whether script parses and holds only opcodes up to
// OP_16 (Core's IsPushOnly, which counts OP_RESERVED as a push).
func IsPushOnlyScript(script []byte) bool {
	t := MakeScriptTokenizer(script)
	for t.Next() {
		if t.Opcode() > OP_16 {
			return false
		}
	}
	return t.Err() == nil
}

// checkMinimalDataPush reports whether a push of data by opcode op used the
// smallest encoding (Core's CheckMinimalPush).
func checkMinimalDataPush(op byte, data []byte) bool {
	n := len(data)
	switch {
	case n == 0:
		return op == OP_0
	case n == 1 && data[0] >= 1 && data[0] <= 16:
		return false
	case n == 1 && data[0] == 0x81:
		return false
	case n <= 75:
		return int(op) == n
	case n <= 255:
		return op == OP_PUSHDATA1
	case n <= 65535:
		return op == OP_PUSHDATA2
	}
	return true
}

// DisasmString returns a one-line disassembly of script in Core's asm form
// (pushes as hex, numbers up to 4 bytes as decimals is not attempted). A
// script that fails to parse ends in "[error]".
func DisasmString(script []byte) (string, error) {
	var buf []byte
	t := MakeScriptTokenizer(script)
	for t.Next() {
		if len(buf) > 0 {
			buf = append(buf, ' ')
		}
		op := t.Opcode()
		if op <= OP_PUSHDATA4 {
			if len(t.Data()) == 0 {
				buf = append(buf, '0')
			} else {
				buf = appendHex(buf, t.Data())
			}
			continue
		}
		buf = append(buf, opcodeNames[op]...)
	}
	if err := t.Err(); err != nil {
		if len(buf) > 0 {
			buf = append(buf, ' ')
		}
		buf = append(buf, "[error]"...)
		return string(buf), err
	}
	return string(buf), nil
}

func appendHex(dst, src []byte) []byte {
	const digits = "0123456789abcdef"
	for _, b := range src {
		dst = append(dst, digits[b>>4], digits[b&0xf])
	}
	return dst
}
