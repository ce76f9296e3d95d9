package netsync

import (
	"errors"
	"testing"
)

// TestErrorKinds checks that every kind is found by errors.Is through an
// Error and keeps its string.
func TestErrorKinds(t *testing.T) {
	kinds := []ErrorKind{ErrShuttingDown, ErrBadConfig, ErrStalling, ErrBlockTimeout, ErrHeadersTimeout, ErrBadPresync,
		ErrChainSyncTimeout, ErrExtraOutbound, ErrMissingServices, ErrBadFilterRequest, ErrInvalidCompactBlock,
		ErrShortIDCollision, ErrInvalidBlockTxns, ErrReconstructionFailed}
	for _, k := range kinds {
		err := error(syncError(k, "desc "+string(k)))
		if !errors.Is(err, k) {
			t.Errorf("%s: errors.Is failed", k)
		}
		if err.Error() != "desc "+string(k) || k.Error() != string(k) {
			t.Errorf("%s: strings %q", k, err.Error())
		}
		for _, other := range kinds {
			if other != k && errors.Is(err, other) {
				t.Errorf("%s matches %s", k, other)
			}
		}
	}
	if _, err := New(nil); !errors.Is(err, ErrBadConfig) {
		t.Errorf("New(nil): %v", err)
	}
	t.Logf("%d kinds", len(kinds))
}
