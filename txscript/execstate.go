package txscript

// execState is the state of one run of evalScript: the locals of Core's
// EvalScript that opcodes read and write. The engine owns one and resets it
// at the start of every script, so each opcode handler takes only the engine
// (and the opcode with its pushed data) instead of a long parameter list.
type execState struct {
	// script is the script being run and sigVersion the rules it runs
	// under (Core's sigversion).
	script     []byte
	sigVersion sigVersion

	// requireMinimal is Core's fRequireMinimal: MINIMALDATA is in force
	// for pushes and number operands.
	requireMinimal bool

	// pc is the offset just past the opcode being executed.
	pc int

	// opcodePos is Core's opcode_pos: the index of the opcode being
	// executed, which BIP342 signatures commit to through
	// OP_CODESEPARATOR.
	opcodePos uint32

	// codeStart is Core's pbegincodehash: the script code that legacy and
	// witness v0 signatures hash starts here, just past the last executed
	// OP_CODESEPARATOR.
	codeStart int

	// opCount is Core's nOpCount: the non-push opcodes run so far plus
	// the keys of every executed CHECKMULTISIG.
	opCount int

	// cond is Core's vfExec and altStack its altstack.
	cond     condStack
	altStack [][]byte
}

// reset prepares the state for running script; the alt stack keeps its
// backing array so a later script does not allocate a new one. It sets the
// fields one by one because assigning a whole new struct copies it with a
// write barrier, which costs more than the few opcodes of a typical script.
func (s *execState) reset(script []byte, sv sigVersion, requireMinimal bool) {
	s.script, s.sigVersion, s.requireMinimal = script, sv, requireMinimal
	s.pc, s.opcodePos, s.codeStart, s.opCount = 0, 0, 0, 0
	s.cond.reset()
	s.altStack = s.altStack[:0]
}

// scriptCode returns the part of the script that legacy and witness v0
// signatures commit to: everything after the last executed
// OP_CODESEPARATOR.
func (s *execState) scriptCode() []byte {
	return s.script[s.codeStart:]
}

// condStack is Core's ConditionStack: it only tracks the depth and the
// position of the first false entry, which is all execution needs.
type condStack struct {
	size       int
	firstFalse int // -1 when every entry is true
}

func (c *condStack) reset()        { c.size, c.firstFalse = 0, -1 }
func (c *condStack) allTrue() bool { return c.firstFalse < 0 }
func (c *condStack) push(v bool) {
	if !v && c.firstFalse < 0 {
		c.firstFalse = c.size
	}
	c.size++
}
func (c *condStack) pop() {
	c.size--
	if c.firstFalse == c.size {
		c.firstFalse = -1
	}
}
func (c *condStack) toggle() {
	switch {
	case c.firstFalse < 0:
		c.firstFalse = c.size - 1
	case c.firstFalse == c.size-1:
		c.firstFalse = -1
	}
}
