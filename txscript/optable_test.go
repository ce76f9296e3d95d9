package txscript

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/wire"
	"golang.org/x/crypto/ripemd160"
)

// handlerTest runs one opcode handler from opcodeTable on a given stack and
// states the stack it must leave or the kind of error it must return.
type handlerTest struct {
	name  string
	op    byte
	data  []byte // the pushed bytes of a push opcode
	flags ScriptFlags
	sv    sigVersion
	stack [][]byte // bottom first
	alt   [][]byte

	// notExec runs the handler inside an unexecuted branch.
	notExec bool

	want    [][]byte // bottom first; checked when err is ""
	wantAlt [][]byte
	err     ErrorKind
}

// handlerTx is the transaction the handler tests' engines verify: version 2,
// lock time 500, input sequence 10 (a relative lock of 10 blocks).
func handlerTx() *wire.MsgTx {
	tx := wire.NewMsgTx(2)
	tx.LockTime = 500
	tx.AddTxIn(&wire.TxIn{Sequence: 10})
	tx.AddTxOut(wire.NewTxOut(1000, []byte{OP_TRUE}))
	return tx
}

// handlerVM returns an engine positioned as evalScript leaves it just before
// it calls the handler of tc.
func handlerVM(t *testing.T, tc *handlerTest) *Engine {
	t.Helper()
	vm, err := NewEngine(nil, handlerTx(), 0, tc.flags, nil, nil, 1000, nil)
	if err != nil {
		t.Fatal(err)
	}
	vm.exec.reset([]byte{tc.op}, tc.sv, vm.hasFlag(ScriptVerifyMinimalData))
	vm.exec.pc = 1
	vm.dstack = append(vm.dstack, tc.stack...)
	vm.exec.altStack = append(vm.exec.altStack, tc.alt...)
	if tc.notExec {
		vm.exec.cond.push(false)
	}
	if tc.sv == sigVersionTapscript {
		vm.tap.weightLeft = validationWeightPerSigOp
	}
	return vm
}

// runHandlerTests runs each case's handler alone.
func runHandlerTests(t *testing.T, tests []handlerTest) {
	t.Helper()
	for i := range tests {
		tc := &tests[i]
		t.Run(tc.name, func(t *testing.T) {
			vm := handlerVM(t, tc)
			err := opcodeTable[tc.op](vm, tc.op, tc.data)
			if tc.err != "" || err != nil {
				if got := ErrorName(err); got != string(tc.err) {
					t.Fatalf("%s: error %v (%s), want %s", opcodeNames[tc.op], err, got, tc.err)
				}
				return
			}
			checkStack(t, "stack", vm.dstack, tc.want)
			checkStack(t, "alt stack", vm.exec.altStack, tc.wantAlt)
		})
	}
}

func checkStack(t *testing.T, name string, got, want [][]byte) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s = %x, want %x", name, got, want)
	}
	for i := range got {
		if !bytes.Equal(got[i], want[i]) {
			t.Fatalf("%s = %x, want %x", name, got, want)
		}
	}
}

// nums returns stack items holding the minimal encodings of ns.
func nums(ns ...int64) [][]byte {
	items := make([][]byte, len(ns))
	for i, n := range ns {
		items[i] = scriptNum(n).Bytes()
	}
	return items
}

// items returns stack items holding the given strings.
func items(ss ...string) [][]byte {
	out := make([][]byte, len(ss))
	for i, s := range ss {
		out[i] = []byte(s)
	}
	return out
}

func TestOpcodeTableEntries(t *testing.T) {
	for op := 0; op < 256; op++ {
		if opcodeTable[op] == nil {
			t.Fatalf("%s has no handler", opcodeNames[op])
		}
	}
	var tests []handlerTest
	for _, op := range []byte{OP_CAT, OP_SUBSTR, OP_LEFT, OP_RIGHT, OP_INVERT, OP_AND,
		OP_OR, OP_XOR, OP_2MUL, OP_2DIV, OP_MUL, OP_DIV, OP_MOD, OP_LSHIFT, OP_RSHIFT} {
		tests = append(tests, handlerTest{name: opcodeNames[op], op: op,
			stack: nums(1, 1), err: ErrDisabledOpcode})
	}
	for _, op := range []byte{OP_RESERVED, OP_VER, OP_VERIF, OP_VERNOTIF, OP_RESERVED1,
		OP_RESERVED2, OP_UNKNOWN187, OP_UNKNOWN254, OP_INVALIDOPCODE} {
		tests = append(tests, handlerTest{name: opcodeNames[op], op: op, err: ErrBadOpcode})
	}
	runHandlerTests(t, tests)
}

func TestPushHandlers(t *testing.T) {
	runHandlerTests(t, []handlerTest{
		{name: "OP_0", op: OP_0, want: [][]byte{nil}},
		{name: "OP_DATA_2", op: OP_DATA_2, data: []byte{7, 8}, want: [][]byte{{7, 8}}},
		{name: "PUSHDATA1 not minimal", op: OP_PUSHDATA1, data: []byte{7},
			flags: ScriptVerifyMinimalData, err: ErrMinimalData},
		{name: "OP_DATA_1 of 5 not minimal", op: OP_DATA_1, data: []byte{5},
			flags: ScriptVerifyMinimalData, err: ErrMinimalData},
		{name: "PUSHDATA1 without MINIMALDATA", op: OP_PUSHDATA1, data: []byte{7},
			want: [][]byte{{7}}},
		{name: "OP_1NEGATE", op: OP_1NEGATE, want: nums(-1)},
		{name: "OP_1", op: OP_1, want: nums(1)},
		{name: "OP_16", op: OP_16, stack: nums(3), want: nums(3, 16)},
	})
}

func TestControlHandlers(t *testing.T) {
	const (
		cltv  = ScriptVerifyCheckLockTimeVerify
		csv   = ScriptVerifyCheckSequenceVerify
		nops  = ScriptDiscourageUpgradableNops
		minIf = ScriptVerifyMinimalIf
	)
	runHandlerTests(t, []handlerTest{
		{name: "NOP", op: OP_NOP, stack: nums(1), want: nums(1)},
		{name: "NOP1", op: OP_NOP1, want: nil},
		{name: "NOP10 discouraged", op: OP_NOP10, flags: nops, err: ErrDiscourageUpgradableNOPs},
		{name: "CLTV without flag is NOP2", op: OP_CHECKLOCKTIMEVERIFY, want: nil},
		{name: "CLTV empty stack", op: OP_CHECKLOCKTIMEVERIFY, flags: cltv,
			err: ErrInvalidStackOperation},
		{name: "CLTV reached", op: OP_CHECKLOCKTIMEVERIFY, flags: cltv, stack: nums(500),
			want: nums(500)},
		{name: "CLTV not reached", op: OP_CHECKLOCKTIMEVERIFY, flags: cltv, stack: nums(501),
			err: ErrUnsatisfiedLockTime},
		{name: "CLTV time against height", op: OP_CHECKLOCKTIMEVERIFY, flags: cltv,
			stack: nums(LockTimeThreshold), err: ErrUnsatisfiedLockTime},
		{name: "CLTV negative", op: OP_CHECKLOCKTIMEVERIFY, flags: cltv, stack: nums(-1),
			err: ErrNegativeLockTime},
		{name: "CLTV 5-byte operand", op: OP_CHECKLOCKTIMEVERIFY, flags: cltv,
			stack: nums(1 << 32), err: ErrUnsatisfiedLockTime},
		{name: "CLTV 6-byte operand", op: OP_CHECKLOCKTIMEVERIFY, flags: cltv,
			stack: nums(1 << 40), err: ErrScriptNum},
		{name: "CSV without flag is NOP3", op: OP_CHECKSEQUENCEVERIFY, want: nil},
		{name: "CSV reached", op: OP_CHECKSEQUENCEVERIFY, flags: csv, stack: nums(10),
			want: nums(10)},
		{name: "CSV not reached", op: OP_CHECKSEQUENCEVERIFY, flags: csv, stack: nums(11),
			err: ErrUnsatisfiedLockTime},
		{name: "CSV disable bit", op: OP_CHECKSEQUENCEVERIFY, flags: csv,
			stack: nums(wire.SequenceLockTimeDisabled), want: nums(wire.SequenceLockTimeDisabled)},
		{name: "CSV negative", op: OP_CHECKSEQUENCEVERIFY, flags: csv, stack: nums(-5),
			err: ErrNegativeLockTime},
		{name: "IF true", op: OP_IF, stack: nums(7), want: nil},
		{name: "IF empty stack", op: OP_IF, err: ErrInvalidStackOperation},
		{name: "IF unexecuted does not pop", op: OP_IF, notExec: true, want: nil},
		{name: "NOTIF", op: OP_NOTIF, stack: nums(0), want: nil},
		{name: "IF 0x02 legacy", op: OP_IF, flags: minIf, stack: nums(2), want: nil},
		{name: "IF 0x02 witness v0 without MINIMALIF", op: OP_IF, sv: sigVersionWitnessV0,
			stack: nums(2), want: nil},
		{name: "IF 0x02 witness v0", op: OP_IF, flags: minIf, sv: sigVersionWitnessV0,
			stack: nums(2), err: ErrMinimalIf},
		{name: "NOTIF 0x00 witness v0", op: OP_NOTIF, flags: minIf, sv: sigVersionWitnessV0,
			stack: [][]byte{{0}}, err: ErrMinimalIf},
		{name: "IF 0x01 witness v0", op: OP_IF, flags: minIf, sv: sigVersionWitnessV0,
			stack: nums(1), want: nil},
		{name: "IF 0x02 tapscript", op: OP_IF, sv: sigVersionTapscript, stack: nums(2),
			err: ErrTapscriptMinimalIf},
		{name: "ELSE without IF", op: OP_ELSE, err: ErrUnbalancedConditional},
		{name: "ELSE in unexecuted branch", op: OP_ELSE, notExec: true, want: nil},
		{name: "ENDIF without IF", op: OP_ENDIF, err: ErrUnbalancedConditional},
		{name: "VERIFY true", op: OP_VERIFY, stack: nums(1, 1), want: nums(1)},
		{name: "VERIFY false", op: OP_VERIFY, stack: nums(0), err: ErrVerify},
		{name: "VERIFY negative zero", op: OP_VERIFY, stack: [][]byte{{0x80}}, err: ErrVerify},
		{name: "VERIFY empty", op: OP_VERIFY, err: ErrInvalidStackOperation},
		{name: "RETURN", op: OP_RETURN, stack: nums(1), err: ErrEarlyReturn},
	})
}

// TestConditionalNesting runs IF, ELSE and ENDIF in sequence on one engine
// and checks which branches execute.
func TestConditionalNesting(t *testing.T) {
	vm := handlerVM(t, &handlerTest{stack: nums(0, 1)})
	steps := []struct {
		op   byte
		exec bool // whether the following opcodes execute
	}{
		{OP_IF, true}, {OP_IF, false}, {OP_IF, false}, {OP_ELSE, false},
		{OP_ENDIF, false}, {OP_ELSE, true}, {OP_ENDIF, true}, {OP_ELSE, false},
		{OP_ENDIF, true},
	}
	for i, s := range steps {
		if err := opcodeTable[s.op](vm, s.op, nil); err != nil {
			t.Fatalf("step %d %s: %v", i, opcodeNames[s.op], err)
		}
		if vm.exec.cond.allTrue() != s.exec {
			t.Fatalf("step %d %s: executing = %v", i, opcodeNames[s.op], !s.exec)
		}
	}
	if vm.exec.cond.size != 0 || len(vm.dstack) != 0 {
		t.Fatalf("depth %d, stack %x", vm.exec.cond.size, vm.dstack)
	}
}

func TestStackHandlers(t *testing.T) {
	runHandlerTests(t, []handlerTest{
		{name: "TOALTSTACK", op: OP_TOALTSTACK, stack: items("a", "b"), want: items("a"),
			wantAlt: items("b")},
		{name: "TOALTSTACK empty", op: OP_TOALTSTACK, err: ErrInvalidStackOperation},
		{name: "FROMALTSTACK", op: OP_FROMALTSTACK, alt: items("x", "y"), want: items("y"),
			wantAlt: items("x")},
		{name: "FROMALTSTACK empty", op: OP_FROMALTSTACK, stack: items("a"),
			err: ErrInvalidAltStackOperation},
		{name: "2DROP", op: OP_2DROP, stack: items("a", "b", "c"), want: items("a")},
		{name: "2DROP short", op: OP_2DROP, stack: items("a"), err: ErrInvalidStackOperation},
		{name: "2DUP", op: OP_2DUP, stack: items("a", "b"), want: items("a", "b", "a", "b")},
		{name: "2DUP short", op: OP_2DUP, stack: items("a"), err: ErrInvalidStackOperation},
		{name: "3DUP", op: OP_3DUP, stack: items("a", "b", "c"),
			want: items("a", "b", "c", "a", "b", "c")},
		{name: "3DUP short", op: OP_3DUP, stack: items("a", "b"), err: ErrInvalidStackOperation},
		{name: "2OVER", op: OP_2OVER, stack: items("a", "b", "c", "d"),
			want: items("a", "b", "c", "d", "a", "b")},
		{name: "2OVER short", op: OP_2OVER, stack: items("a", "b", "c"),
			err: ErrInvalidStackOperation},
		{name: "2ROT", op: OP_2ROT, stack: items("z", "a", "b", "c", "d", "e", "f"),
			want: items("z", "c", "d", "e", "f", "a", "b")},
		{name: "2ROT short", op: OP_2ROT, stack: items("a", "b", "c", "d", "e"),
			err: ErrInvalidStackOperation},
		{name: "2SWAP", op: OP_2SWAP, stack: items("a", "b", "c", "d"),
			want: items("c", "d", "a", "b")},
		{name: "2SWAP short", op: OP_2SWAP, stack: items("a", "b", "c"),
			err: ErrInvalidStackOperation},
		{name: "IFDUP true", op: OP_IFDUP, stack: nums(3), want: nums(3, 3)},
		{name: "IFDUP false", op: OP_IFDUP, stack: nums(0), want: nums(0)},
		{name: "IFDUP empty", op: OP_IFDUP, err: ErrInvalidStackOperation},
		{name: "DEPTH empty", op: OP_DEPTH, want: nums(0)},
		{name: "DEPTH", op: OP_DEPTH, stack: items("a", "b"), want: append(items("a", "b"), nums(2)...)},
		{name: "DROP", op: OP_DROP, stack: items("a", "b"), want: items("a")},
		{name: "DROP empty", op: OP_DROP, err: ErrInvalidStackOperation},
		{name: "DUP", op: OP_DUP, stack: items("a"), want: items("a", "a")},
		{name: "DUP empty", op: OP_DUP, err: ErrInvalidStackOperation},
		{name: "NIP", op: OP_NIP, stack: items("a", "b", "c"), want: items("a", "c")},
		{name: "NIP short", op: OP_NIP, stack: items("a"), err: ErrInvalidStackOperation},
		{name: "OVER", op: OP_OVER, stack: items("a", "b"), want: items("a", "b", "a")},
		{name: "OVER short", op: OP_OVER, stack: items("a"), err: ErrInvalidStackOperation},
		{name: "PICK 0", op: OP_PICK, stack: append(items("a", "b"), nums(0)...),
			want: items("a", "b", "b")},
		{name: "PICK 1", op: OP_PICK, stack: append(items("a", "b"), nums(1)...),
			want: items("a", "b", "a")},
		{name: "PICK out of range", op: OP_PICK, stack: append(items("a", "b"), nums(2)...),
			err: ErrInvalidStackOperation},
		{name: "PICK negative", op: OP_PICK, stack: append(items("a"), nums(-1)...),
			err: ErrInvalidStackOperation},
		{name: "PICK short", op: OP_PICK, stack: nums(0), err: ErrInvalidStackOperation},
		{name: "PICK non-minimal index", op: OP_PICK, flags: ScriptVerifyMinimalData,
			stack: [][]byte{{'a'}, {0}}, err: ErrScriptNum},
		{name: "ROLL 2", op: OP_ROLL, stack: append(items("a", "b", "c"), nums(2)...),
			want: items("b", "c", "a")},
		{name: "ROLL 0", op: OP_ROLL, stack: append(items("a", "b"), nums(0)...),
			want: items("a", "b")},
		{name: "ROLL out of range", op: OP_ROLL, stack: append(items("a"), nums(1)...),
			err: ErrInvalidStackOperation},
		{name: "ROT", op: OP_ROT, stack: items("a", "b", "c"), want: items("b", "c", "a")},
		{name: "ROT short", op: OP_ROT, stack: items("a", "b"), err: ErrInvalidStackOperation},
		{name: "SWAP", op: OP_SWAP, stack: items("a", "b"), want: items("b", "a")},
		{name: "SWAP short", op: OP_SWAP, stack: items("a"), err: ErrInvalidStackOperation},
		{name: "TUCK", op: OP_TUCK, stack: items("a", "b"), want: items("b", "a", "b")},
		{name: "TUCK short", op: OP_TUCK, stack: items("a"), err: ErrInvalidStackOperation},
	})
}

func TestSpliceHandlers(t *testing.T) {
	runHandlerTests(t, []handlerTest{
		{name: "SIZE", op: OP_SIZE, stack: items("abc"), want: append(items("abc"), nums(3)...)},
		{name: "SIZE of empty", op: OP_SIZE, stack: [][]byte{nil}, want: [][]byte{nil, nil}},
		{name: "SIZE empty stack", op: OP_SIZE, err: ErrInvalidStackOperation},
		{name: "EQUAL", op: OP_EQUAL, stack: items("a", "a"), want: nums(1)},
		{name: "EQUAL differs", op: OP_EQUAL, stack: items("a", "b"), want: nums(0)},
		{name: "EQUAL zero and negative zero", op: OP_EQUAL, stack: [][]byte{nil, {0x80}},
			want: nums(0)},
		{name: "EQUAL short", op: OP_EQUAL, stack: items("a"), err: ErrInvalidStackOperation},
		{name: "EQUALVERIFY", op: OP_EQUALVERIFY, stack: items("x", "a", "a"), want: items("x")},
		{name: "EQUALVERIFY differs", op: OP_EQUALVERIFY, stack: items("a", "b"),
			err: ErrEqualVerify},
		{name: "EQUALVERIFY short", op: OP_EQUALVERIFY, err: ErrInvalidStackOperation},
	})
}

func TestNumericHandlers(t *testing.T) {
	tests := []handlerTest{
		{name: "1ADD", op: OP_1ADD, stack: nums(-1), want: nums(0)},
		{name: "1SUB", op: OP_1SUB, stack: nums(0), want: nums(-1)},
		{name: "NEGATE", op: OP_NEGATE, stack: nums(5), want: nums(-5)},
		{name: "ABS", op: OP_ABS, stack: nums(-5), want: nums(5)},
		{name: "ABS positive", op: OP_ABS, stack: nums(5), want: nums(5)},
		{name: "NOT 0", op: OP_NOT, stack: nums(0), want: nums(1)},
		{name: "NOT 7", op: OP_NOT, stack: nums(7), want: nums(0)},
		{name: "0NOTEQUAL", op: OP_0NOTEQUAL, stack: nums(-7), want: nums(1)},
		{name: "0NOTEQUAL 0", op: OP_0NOTEQUAL, stack: nums(0), want: nums(0)},
		{name: "1ADD empty", op: OP_1ADD, err: ErrInvalidStackOperation},
		{name: "1ADD 5 bytes", op: OP_1ADD, stack: nums(1 << 32), err: ErrScriptNum},
		{name: "1ADD result past 4 bytes", op: OP_1ADD, stack: nums(0x7fffffff),
			want: nums(0x80000000)},
		{name: "NEGATE non-minimal", op: OP_NEGATE, flags: ScriptVerifyMinimalData,
			stack: [][]byte{{1, 0}}, err: ErrScriptNum},
		{name: "NEGATE non-minimal allowed", op: OP_NEGATE, stack: [][]byte{{1, 0}},
			want: nums(-1)},
		{name: "ADD", op: OP_ADD, stack: nums(9, 2, 3), want: nums(9, 5)},
		{name: "SUB", op: OP_SUB, stack: nums(2, 3), want: nums(-1)},
		{name: "BOOLAND", op: OP_BOOLAND, stack: nums(2, 0), want: nums(0)},
		{name: "BOOLAND true", op: OP_BOOLAND, stack: nums(2, -1), want: nums(1)},
		{name: "BOOLOR", op: OP_BOOLOR, stack: nums(0, 3), want: nums(1)},
		{name: "BOOLOR false", op: OP_BOOLOR, stack: nums(0, 0), want: nums(0)},
		{name: "NUMEQUAL", op: OP_NUMEQUAL, stack: nums(4, 4), want: nums(1)},
		{name: "NUMEQUAL negative zero", op: OP_NUMEQUAL, stack: [][]byte{{0x80}, nil},
			want: nums(1)},
		{name: "NUMEQUALVERIFY", op: OP_NUMEQUALVERIFY, stack: nums(4, 4), want: nil},
		{name: "NUMEQUALVERIFY differs", op: OP_NUMEQUALVERIFY, stack: nums(4, 5),
			err: ErrNumEqualVerify},
		{name: "NUMNOTEQUAL", op: OP_NUMNOTEQUAL, stack: nums(4, 5), want: nums(1)},
		{name: "LESSTHAN", op: OP_LESSTHAN, stack: nums(4, 5), want: nums(1)},
		{name: "LESSTHAN equal", op: OP_LESSTHAN, stack: nums(5, 5), want: nums(0)},
		{name: "GREATERTHAN", op: OP_GREATERTHAN, stack: nums(4, 5), want: nums(0)},
		{name: "LESSTHANOREQUAL", op: OP_LESSTHANOREQUAL, stack: nums(5, 5), want: nums(1)},
		{name: "GREATERTHANOREQUAL", op: OP_GREATERTHANOREQUAL, stack: nums(4, 5),
			want: nums(0)},
		{name: "MIN", op: OP_MIN, stack: nums(-4, 5), want: nums(-4)},
		{name: "MAX", op: OP_MAX, stack: nums(-4, 5), want: nums(5)},
		{name: "ADD short", op: OP_ADD, stack: nums(1), err: ErrInvalidStackOperation},
		{name: "ADD first operand too long", op: OP_ADD, stack: nums(1<<32, 1),
			err: ErrScriptNum},
		{name: "ADD second operand too long", op: OP_ADD, stack: nums(1, 1<<32),
			err: ErrScriptNum},
		{name: "WITHIN", op: OP_WITHIN, stack: nums(2, 2, 3), want: nums(1)},
		{name: "WITHIN at max", op: OP_WITHIN, stack: nums(3, 2, 3), want: nums(0)},
		{name: "WITHIN short", op: OP_WITHIN, stack: nums(2, 3), err: ErrInvalidStackOperation},
		{name: "WITHIN bad max", op: OP_WITHIN, stack: nums(1, 2, 1<<32), err: ErrScriptNum},
	}
	runHandlerTests(t, tests)
}

func TestCryptoHandlers(t *testing.T) {
	msg := []byte("abc")
	r := ripemd160.New()
	r.Write(msg)
	s1, s256, h256 := sha1.Sum(msg), sha256.Sum256(msg), chainhash.DoubleHashH(msg)
	xonlyKey := make([]byte, 32)
	xonlyKey[0] = 1
	const nullFail = ScriptVerifyNullFail
	runHandlerTests(t, []handlerTest{
		{name: "RIPEMD160", op: OP_RIPEMD160, stack: [][]byte{msg}, want: [][]byte{r.Sum(nil)}},
		{name: "SHA1", op: OP_SHA1, stack: [][]byte{msg}, want: [][]byte{s1[:]}},
		{name: "SHA256", op: OP_SHA256, stack: [][]byte{msg}, want: [][]byte{s256[:]}},
		{name: "HASH160", op: OP_HASH160, stack: [][]byte{msg}, want: [][]byte{hash160(msg)}},
		{name: "HASH256", op: OP_HASH256, stack: [][]byte{msg}, want: [][]byte{h256[:]}},
		{name: "SHA256 empty stack", op: OP_SHA256, err: ErrInvalidStackOperation},
		{name: "HASH160 empty stack", op: OP_HASH160, err: ErrInvalidStackOperation},
		{name: "CHECKSIG empty sig", op: OP_CHECKSIG, stack: [][]byte{nil, {2}}, want: nums(0)},
		{name: "CHECKSIG bad sig", op: OP_CHECKSIG, stack: items("sig", "key"), want: nums(0)},
		{name: "CHECKSIG bad sig NULLFAIL", op: OP_CHECKSIG, flags: nullFail,
			stack: items("sig", "key"), err: ErrNullFail},
		{name: "CHECKSIG bad DER", op: OP_CHECKSIG, flags: ScriptVerifyDERSignatures,
			stack: items("sig", "key"), err: ErrSigDER},
		{name: "CHECKSIG short", op: OP_CHECKSIG, stack: items("key"),
			err: ErrInvalidStackOperation},
		{name: "CHECKSIGVERIFY false", op: OP_CHECKSIGVERIFY, stack: [][]byte{nil, {2}},
			err: ErrCheckSigVerify},
		{name: "CHECKSIGVERIFY short", op: OP_CHECKSIGVERIFY, err: ErrInvalidStackOperation},
		{name: "CHECKSIG tapscript empty key", op: OP_CHECKSIG, sv: sigVersionTapscript,
			stack: [][]byte{nil, nil}, err: ErrTapscriptEmptyPubKey},
		{name: "CHECKSIG tapscript empty sig", op: OP_CHECKSIG, sv: sigVersionTapscript,
			stack: [][]byte{nil, xonlyKey}, want: nums(0)},
		{name: "CHECKSIG tapscript unknown key type", op: OP_CHECKSIG, sv: sigVersionTapscript,
			stack: [][]byte{nil, {1, 2}}, want: nums(0)},
		{name: "CHECKSIG tapscript unknown key type discouraged", op: OP_CHECKSIG,
			sv: sigVersionTapscript, flags: ScriptVerifyDiscourageUpgradeablePubkeyType,
			stack: [][]byte{nil, {1, 2}}, err: ErrDiscourageUpgradablePubKey},
		{name: "CHECKSIGADD legacy", op: OP_CHECKSIGADD, stack: [][]byte{nil, nil, xonlyKey},
			err: ErrBadOpcode},
		{name: "CHECKSIGADD witness v0", op: OP_CHECKSIGADD, sv: sigVersionWitnessV0,
			stack: [][]byte{nil, nil, xonlyKey}, err: ErrBadOpcode},
		{name: "CHECKSIGADD empty sig", op: OP_CHECKSIGADD, sv: sigVersionTapscript,
			stack: [][]byte{nil, {5}, xonlyKey}, want: nums(5)},
		{name: "CHECKSIGADD short", op: OP_CHECKSIGADD, sv: sigVersionTapscript,
			stack: [][]byte{{5}, xonlyKey}, err: ErrInvalidStackOperation},
		{name: "CHECKSIGADD bad number", op: OP_CHECKSIGADD, sv: sigVersionTapscript,
			stack: [][]byte{nil, {1, 2, 3, 4, 5}, xonlyKey}, err: ErrScriptNum},
		{name: "CHECKSIGADD bad sig size", op: OP_CHECKSIGADD, sv: sigVersionTapscript,
			stack: [][]byte{{1}, {5}, xonlyKey}, err: ErrSchnorrSigSize},
	})
}

func TestCheckMultiSigHandlers(t *testing.T) {
	const nullDummy, nullFail = ScriptStrictMultiSig, ScriptVerifyNullFail
	// 1-of-2 with an invalid signature: dummy sig 1 key key 2.
	oneOfTwo := [][]byte{nil, []byte("sig"), {1}, []byte("k1"), []byte("k2"), {2}}
	runHandlerTests(t, []handlerTest{
		{name: "0-of-0", op: OP_CHECKMULTISIG, stack: [][]byte{nil, nil, nil}, want: nums(1)},
		{name: "0-of-0 keeps items below", op: OP_CHECKMULTISIG,
			stack: [][]byte{{9}, nil, nil, nil}, want: [][]byte{{9}, {1}}},
		{name: "dummy not empty", op: OP_CHECKMULTISIG, stack: [][]byte{{1}, nil, nil},
			want: nums(1)},
		{name: "dummy not empty NULLDUMMY", op: OP_CHECKMULTISIG, flags: nullDummy,
			stack: [][]byte{{1}, nil, nil}, err: ErrSigNullDummy},
		{name: "no dummy", op: OP_CHECKMULTISIG, stack: [][]byte{nil, nil},
			err: ErrInvalidStackOperation},
		{name: "empty stack", op: OP_CHECKMULTISIG, err: ErrInvalidStackOperation},
		{name: "21 keys", op: OP_CHECKMULTISIG, stack: nums(21), err: ErrInvalidPubKeyCount},
		{name: "negative keys", op: OP_CHECKMULTISIG, stack: nums(-1),
			err: ErrInvalidPubKeyCount},
		{name: "missing keys", op: OP_CHECKMULTISIG, stack: nums(2), err: ErrInvalidStackOperation},
		{name: "more sigs than keys", op: OP_CHECKMULTISIG, stack: [][]byte{nil, {2}, {7}, {1}},
			err: ErrInvalidSignatureCount},
		{name: "missing sigs", op: OP_CHECKMULTISIG, stack: [][]byte{{1}, {7}, {1}},
			err: ErrInvalidStackOperation},
		{name: "1-of-2 invalid", op: OP_CHECKMULTISIG, stack: oneOfTwo, want: nums(0)},
		{name: "1-of-2 invalid NULLFAIL", op: OP_CHECKMULTISIG, flags: nullFail,
			stack: oneOfTwo, err: ErrNullFail},
		{name: "1-of-2 empty sig NULLFAIL", op: OP_CHECKMULTISIG, flags: nullFail,
			stack: [][]byte{nil, nil, {1}, []byte("k1"), []byte("k2"), {2}}, want: nums(0)},
		{name: "1-of-2 bad key encoding", op: OP_CHECKMULTISIG,
			flags: ScriptVerifyStrictEncoding, stack: oneOfTwo, err: ErrSigDER},
		{name: "VERIFY false", op: OP_CHECKMULTISIGVERIFY, stack: oneOfTwo,
			err: ErrCheckMultiSigVerify},
		{name: "VERIFY 0-of-0", op: OP_CHECKMULTISIGVERIFY, stack: [][]byte{{9}, nil, nil, nil},
			want: [][]byte{{9}}},
		{name: "tapscript", op: OP_CHECKMULTISIG, sv: sigVersionTapscript,
			stack: [][]byte{nil, nil, nil}, err: ErrTapscriptCheckMultisig},
	})
}

// TestCheckMultiSigOpCount checks that CHECKMULTISIG charges its keys to the
// op count of legacy and witness v0 scripts.
func TestCheckMultiSigOpCount(t *testing.T) {
	tc := &handlerTest{op: OP_CHECKMULTISIG, stack: [][]byte{nil, nil, {7}, {8}, {2}}}
	vm := handlerVM(t, tc)
	vm.exec.opCount = MaxOpsPerScript - 1
	err := opcodeCheckMultiSig(vm, tc.op, nil)
	if ErrorName(err) != string(ErrTooManyOperations) {
		t.Fatalf("error %v, want OP_COUNT", err)
	}
	vm = handlerVM(t, tc)
	vm.exec.opCount = MaxOpsPerScript - 2
	if err := opcodeCheckMultiSig(vm, tc.op, nil); err != nil {
		t.Fatal(err)
	}
	if vm.exec.opCount != MaxOpsPerScript {
		t.Fatalf("op count %d, want %d", vm.exec.opCount, MaxOpsPerScript)
	}
}

// TestCodeSeparatorHandler checks that OP_CODESEPARATOR moves the start of
// the script code past itself and records its position for tapscript.
func TestCodeSeparatorHandler(t *testing.T) {
	vm := handlerVM(t, &handlerTest{})
	vm.exec.script = []byte{OP_1, OP_CODESEPARATOR, OP_CHECKSIG}
	vm.exec.pc, vm.exec.opcodePos = 2, 1
	if err := opcodeTable[OP_CODESEPARATOR](vm, OP_CODESEPARATOR, nil); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(vm.exec.scriptCode(), []byte{OP_CHECKSIG}) || vm.tap.codeSepPos != 1 {
		t.Fatalf("script code %x, position %d", vm.exec.scriptCode(), vm.tap.codeSepPos)
	}
}

// TestEvalScriptChecks checks the checks evalScript makes before it
// dispatches, and their order.
func TestEvalScriptChecks(t *testing.T) {
	nops := func(n int) []byte { return bytes.Repeat([]byte{OP_NOP}, n) }
	tests := []struct {
		name   string
		script []byte
		sv     sigVersion
		flags  ScriptFlags
		err    ErrorKind
	}{
		{"disabled in unexecuted branch", []byte{OP_0, OP_IF, OP_CAT, OP_ENDIF, OP_1}, 0, 0,
			ErrDisabledOpcode},
		{"VERIF in unexecuted branch", []byte{OP_0, OP_IF, OP_VERIF, OP_ENDIF, OP_1}, 0, 0,
			ErrBadOpcode},
		{"unknown in unexecuted branch", []byte{OP_0, OP_IF, OP_UNKNOWN200, OP_ENDIF, OP_1}, 0,
			0, ""},
		{"201 ops", append(nops(201), OP_1), 0, 0, ""},
		{"202 ops", append(nops(202), OP_1), 0, 0, ErrTooManyOperations},
		{"202 ops in unexecuted branch", append(append([]byte{OP_0, OP_IF}, nops(200)...),
			OP_ENDIF, OP_1), 0, 0, ErrTooManyOperations},
		{"pushes and OP_1..OP_16 do not count", append(bytes.Repeat([]byte{OP_1, OP_DROP}, 201),
			OP_1), 0, 0, ""},
		{"op count before disabled", append(nops(201), OP_CAT), 0, 0, ErrTooManyOperations},
		{"no op count in tapscript", append(nops(300), OP_1), sigVersionTapscript, 0, ""},
		{"CODESEPARATOR under CONST_SCRIPTCODE", []byte{OP_0, OP_IF, OP_CODESEPARATOR,
			OP_ENDIF, OP_1}, 0, ScriptVerifyConstScriptCode, ErrCodeSeparator},
		{"CODESEPARATOR in witness v0", []byte{OP_CODESEPARATOR, OP_1}, sigVersionWitnessV0,
			ScriptVerifyConstScriptCode, ""},
		{"unbalanced IF", []byte{OP_1, OP_IF}, 0, 0, ErrUnbalancedConditional},
		{"malformed push", []byte{OP_1, OP_PUSHDATA1}, 0, 0, ErrBadOpcode},
		{"1000 items", append(bytes.Repeat([]byte{OP_1}, 999), OP_TOALTSTACK, OP_1), 0, 0, ""},
		{"1001 items with alt stack", append(bytes.Repeat([]byte{OP_1}, 1000), OP_TOALTSTACK,
			OP_1), 0, 0, ErrStackOverflow},
		{"oversized push unexecuted", append([]byte{OP_0, OP_IF, OP_PUSHDATA2, 0x09, 0x02},
			make([]byte, 521)...), 0, 0, ErrElementTooBig},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			vm, err := NewEngine(nil, handlerTx(), 0, tc.flags, nil, nil, 0, nil)
			if err != nil {
				t.Fatal(err)
			}
			err = vm.evalScript(tc.script, tc.sv)
			if got := ErrorName(err); tc.err != "" && got != string(tc.err) ||
				tc.err == "" && err != nil {
				t.Fatalf("error %v (%s), want %q", err, got, tc.err)
			}
		})
	}
}

// TestDispatchDoesNotAllocate checks that running opcodes through the table
// allocates nothing once the engine's stacks have grown.
func TestDispatchDoesNotAllocate(t *testing.T) {
	script := bytes.Repeat([]byte{OP_1, OP_2, OP_3, OP_ROT, OP_DUP, OP_2DUP, OP_TOALTSTACK,
		OP_SWAP, OP_FROMALTSTACK, OP_EQUALVERIFY, OP_2DROP, OP_SIZE, OP_ADD, OP_NIP, OP_4,
		OP_NUMEQUALVERIFY, OP_0, OP_IF, OP_RETURN, OP_ENDIF}, 10)
	vm, err := NewEngine(nil, handlerTx(), 0, ScriptVerifyMinimalData, nil, nil, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	run := func() {
		vm.dstack, vm.arena = vm.dstack[:0], vm.arenaBuf[:0]
		if err := vm.evalScript(script, sigVersionWitnessV0); err != nil {
			t.Fatal(err)
		}
	}
	run()
	if n := testing.AllocsPerRun(100, run); n != 0 {
		t.Fatalf("%v allocations per script", n)
	}
}
