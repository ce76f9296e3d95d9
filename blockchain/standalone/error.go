package standalone

// ErrorKind identifies a context-free rule violation. Its string is Bitcoin
// Core's reject reason, so callers can map it to their own kinds (blockchain
// and mempool kinds use the same strings) or report it as it is.
type ErrorKind string

// Error returns the kind's string, Core's reject reason.
func (e ErrorKind) Error() string { return string(e) }

// These constants are the kinds of rule violations the package reports.
const (
	// ErrNoTxInputs: a transaction has no inputs.
	ErrNoTxInputs = ErrorKind("bad-txns-vin-empty")
	// ErrNoTxOutputs: a transaction has no outputs.
	ErrNoTxOutputs = ErrorKind("bad-txns-vout-empty")
	// ErrTxTooBig: a transaction's stripped size times four is above the
	// block weight limit.
	ErrTxTooBig = ErrorKind("bad-txns-oversize")
	// ErrNegativeTxOut: an output value is negative.
	ErrNegativeTxOut = ErrorKind("bad-txns-vout-negative")
	// ErrTxOutTooLarge: an output value is above 21 million coins.
	ErrTxOutTooLarge = ErrorKind("bad-txns-vout-toolarge")
	// ErrTxOutTotalTooLarge: the outputs add up to more than 21 million coins.
	ErrTxOutTotalTooLarge = ErrorKind("bad-txns-txouttotal-toolarge")
	// ErrDuplicateTxInputs: a transaction spends one outpoint twice.
	ErrDuplicateTxInputs = ErrorKind("bad-txns-inputs-duplicate")
	// ErrBadCoinbaseLength: a coinbase script is not 2 to 100 bytes.
	ErrBadCoinbaseLength = ErrorKind("bad-cb-length")
	// ErrBadTxInput: a non-coinbase transaction spends the null outpoint.
	ErrBadTxInput = ErrorKind("bad-txns-prevout-null")
	// ErrHighHash: a header's hash is above its target, or the target is
	// out of range.
	ErrHighHash = ErrorKind("high-hash")
)

// RuleError is a rule violation: its kind (Err) and a description with the
// details. Unwrap returns the kind, so errors.Is(err, ErrTxTooBig) works.
type RuleError struct {
	Err         ErrorKind
	Description string
}

// Error returns the description.
func (e RuleError) Error() string { return e.Description }

// Unwrap returns the error kind.
func (e RuleError) Unwrap() error { return e.Err }

// ruleError builds a RuleError of the given kind.
func ruleError(kind ErrorKind, desc string) RuleError {
	return RuleError{Err: kind, Description: desc}
}
