package txscript

import (
	"crypto/sha1"
	"crypto/sha256"
	"fmt"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"golang.org/x/crypto/ripemd160"
)

// This file holds the handlers of Core's "Crypto" group: the hashes,
// OP_CODESEPARATOR and the signature checks.

// hashTop replaces the top item with its digest of size bytes, which sum
// appends to dst; the digest lives in the engine's arena.
func (vm *Engine) hashTop(op byte, size int, sum func(dst, v []byte) []byte) error {
	if len(vm.dstack) < 1 {
		return errStack(op)
	}
	vm.dstack[len(vm.dstack)-1] = sum(vm.alloc(size)[:0], vm.top(1))
	return nil
}

// appendRipemd160 and the functions below append a digest of v to dst for
// hashTop.
func appendRipemd160(dst, v []byte) []byte {
	h := ripemd160.New()
	h.Write(v)
	return h.Sum(dst)
}

func appendSha1(dst, v []byte) []byte {
	s := sha1.Sum(v)
	return append(dst, s[:]...)
}

func appendSha256(dst, v []byte) []byte {
	s := sha256.Sum256(v)
	return append(dst, s[:]...)
}

func appendHash160(dst, v []byte) []byte {
	s := sha256.Sum256(v)
	return appendRipemd160(dst, s[:])
}

func appendHash256(dst, v []byte) []byte {
	s := chainhash.DoubleHashH(v)
	return append(dst, s[:]...)
}

// opcodeRipemd160 replaces the top item with its RIPEMD160.
func opcodeRipemd160(vm *Engine, op byte, data []byte) error {
	return vm.hashTop(op, ripemd160.Size, appendRipemd160)
}

// opcodeSha1 replaces the top item with its SHA1.
func opcodeSha1(vm *Engine, op byte, data []byte) error {
	return vm.hashTop(op, sha1.Size, appendSha1)
}

// opcodeSha256 replaces the top item with its SHA256.
func opcodeSha256(vm *Engine, op byte, data []byte) error {
	return vm.hashTop(op, sha256.Size, appendSha256)
}

// opcodeHash160 replaces the top item with RIPEMD160(SHA256(item)).
func opcodeHash160(vm *Engine, op byte, data []byte) error {
	return vm.hashTop(op, ripemd160.Size, appendHash160)
}

// opcodeHash256 replaces the top item with SHA256(SHA256(item)).
func opcodeHash256(vm *Engine, op byte, data []byte) error {
	return vm.hashTop(op, chainhash.HashSize, appendHash256)
}

// opcodeCodeSeparator starts the script code after this opcode (legacy and
// witness v0 signatures) and records its position (tapscript signatures).
func opcodeCodeSeparator(vm *Engine, op byte, data []byte) error {
	vm.exec.codeStart = vm.exec.pc
	vm.tap.codeSepPos = vm.exec.opcodePos
	return nil
}

// opcodeCheckSig replaces sig pubkey with whether sig signs the transaction
// for pubkey; see evalCheckSig for the failures that end the script.
func opcodeCheckSig(vm *Engine, op byte, data []byte) error {
	if len(vm.dstack) < 2 {
		return errStack(op)
	}
	sig, pubKey := vm.top(2), vm.top(1)
	ok, err := vm.evalCheckSig(sig, pubKey, vm.exec.scriptCode(), vm.exec.sigVersion)
	if err != nil {
		return err
	}
	vm.dstack = vm.dstack[:len(vm.dstack)-2]
	vm.pushBool(ok)
	return nil
}

// opcodeCheckSigVerify is OP_CHECKSIG then OP_VERIFY, with its own error
// kind.
func opcodeCheckSigVerify(vm *Engine, op byte, data []byte) error {
	if err := opcodeCheckSig(vm, op, data); err != nil {
		return err
	}
	return vm.popVerify(ErrCheckSigVerify, "OP_CHECKSIGVERIFY failed")
}

// opcodeCheckSigAdd is BIP342's sig n pubkey -> n+1 if sig is valid, else n;
// outside tapscript it is not an opcode.
func opcodeCheckSigAdd(vm *Engine, op byte, data []byte) error {
	sv := vm.exec.sigVersion
	if sv == sigVersionBase || sv == sigVersionWitnessV0 {
		return scriptError(ErrBadOpcode, "OP_CHECKSIGADD outside tapscript")
	}
	if len(vm.dstack) < 3 {
		return errStack(op)
	}
	sig := vm.top(3)
	num, err := vm.numArg(2)
	if err != nil {
		return err
	}
	ok, err := vm.evalCheckSig(sig, vm.top(1), nil, sv)
	if err != nil {
		return err
	}
	vm.dstack = vm.dstack[:len(vm.dstack)-3]
	if ok {
		num++
	}
	vm.pushNum(num)
	return nil
}

// opcodeCheckMultiSig is the m-of-n signature check of legacy and witness v0
// scripts; tapscript replaces it with OP_CHECKSIGADD.
func opcodeCheckMultiSig(vm *Engine, op byte, data []byte) error {
	if vm.exec.sigVersion == sigVersionTapscript {
		return scriptError(ErrTapscriptCheckMultisig, "CHECKMULTISIG in tapscript")
	}
	args, err := vm.readMultiSigArgs(op)
	if err != nil {
		return err
	}
	scriptCode, err := vm.multiSigScriptCode(&args)
	if err != nil {
		return err
	}
	success, err := vm.matchMultiSig(&args, scriptCode)
	if err != nil {
		return err
	}
	if err := vm.popMultiSigArgs(op, &args, success); err != nil {
		return err
	}
	vm.pushBool(success)
	return nil
}

// opcodeCheckMultiSigVerify is OP_CHECKMULTISIG then OP_VERIFY, with its own
// error kind.
func opcodeCheckMultiSigVerify(vm *Engine, op byte, data []byte) error {
	if err := opcodeCheckMultiSig(vm, op, data); err != nil {
		return err
	}
	return vm.popVerify(ErrCheckMultiSigVerify, "OP_CHECKMULTISIGVERIFY failed")
}

// multiSigArgs locates the operands of CHECKMULTISIG with Core's names, as
// places from the top of the stack (1 is the top): the keys start at ikey,
// the signatures at isig, and i is one more than the items to pop before
// the dummy. ikey2 counts down the keys for the NULLFAIL check.
type multiSigArgs struct {
	i, ikey, ikey2, isig int
	nKeys, nSigs         int
}

// readMultiSigArgs reads the key and signature counts, charging the keys to the
// op count, and checks the stack holds every operand.
func (vm *Engine) readMultiSigArgs(op byte) (multiSigArgs, error) {
	a := multiSigArgs{i: 1}
	if len(vm.dstack) < a.i {
		return a, errStack(op)
	}
	nk, err := vm.numArg(a.i)
	if err != nil {
		return a, err
	}
	a.nKeys = int(nk.Int32())
	if a.nKeys < 0 || a.nKeys > MaxPubKeysPerMultiSig {
		return a, scriptError(ErrInvalidPubKeyCount, fmt.Sprintf("invalid key count %d", a.nKeys))
	}
	vm.exec.opCount += a.nKeys
	if vm.exec.opCount > MaxOpsPerScript {
		return a, errOpCount()
	}
	a.i++
	a.ikey, a.ikey2 = a.i, a.nKeys+2
	a.i += a.nKeys
	if len(vm.dstack) < a.i {
		return a, errStack(op)
	}
	ns, err := vm.numArg(a.i)
	if err != nil {
		return a, err
	}
	a.nSigs = int(ns.Int32())
	if a.nSigs < 0 || a.nSigs > a.nKeys {
		return a, scriptError(ErrInvalidSignatureCount, fmt.Sprintf(
			"invalid signature count %d", a.nSigs))
	}
	a.i++
	a.isig = a.i
	a.i += a.nSigs
	if len(vm.dstack) < a.i {
		return a, errStack(op)
	}
	return a, nil
}

// multiSigScriptCode returns the script code the signatures commit to: in
// legacy scripts every signature is first removed from it (Core's
// FindAndDelete), which CONST_SCRIPTCODE forbids.
func (vm *Engine) multiSigScriptCode(a *multiSigArgs) ([]byte, error) {
	scriptCode := vm.exec.scriptCode()
	if vm.exec.sigVersion != sigVersionBase {
		return scriptCode, nil
	}
	for k := 0; k < a.nSigs; k++ {
		var found bool
		scriptCode, found = findAndDeleteSig(scriptCode, vm.top(a.isig+k))
		if found && vm.hasFlag(ScriptVerifyConstScriptCode) {
			return nil, scriptError(ErrSigFindAndDelete, "signature found in script code")
		}
	}
	return scriptCode, nil
}

// matchMultiSig walks signatures and keys in order, each signature matched
// against the remaining keys, and stops as soon as the keys left are too few
// for the signatures left.
func (vm *Engine) matchMultiSig(a *multiSigArgs, scriptCode []byte) (bool, error) {
	isig, ikey, nSigs, nKeys := a.isig, a.ikey, a.nSigs, a.nKeys
	for nSigs > 0 {
		sig, pubKey := vm.top(isig), vm.top(ikey)
		if err := vm.checkSignatureEncoding(sig); err != nil {
			return false, err
		}
		if err := vm.checkPubKeyEncoding(pubKey, vm.exec.sigVersion); err != nil {
			return false, err
		}
		if vm.verifyECDSA(sig, pubKey, scriptCode, vm.exec.sigVersion) {
			isig++
			nSigs--
		}
		ikey++
		nKeys--
		if nSigs > nKeys {
			return false, nil
		}
	}
	return true, nil
}

// popMultiSigArgs pops the operands and the dummy: after a failure NULLFAIL
// requires every signature to be empty, and NULLDUMMY requires an empty
// dummy.
func (vm *Engine) popMultiSigArgs(op byte, a *multiSigArgs, success bool) error {
	ikey2 := a.ikey2
	for i := a.i; i > 1; i-- {
		if !success && vm.hasFlag(ScriptVerifyNullFail) && ikey2 == 0 && len(vm.top(1)) > 0 {
			return scriptError(ErrNullFail, "failed CHECKMULTISIG with a non-empty signature")
		}
		if ikey2 > 0 {
			ikey2--
		}
		vm.pop()
	}
	if len(vm.dstack) < 1 {
		return errStack(op)
	}
	if vm.hasFlag(ScriptStrictMultiSig) && len(vm.top(1)) != 0 {
		return scriptError(ErrSigNullDummy, "CHECKMULTISIG dummy argument is not empty")
	}
	vm.pop()
	return nil
}
