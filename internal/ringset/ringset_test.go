package ringset

import "testing"

// TestSet checks membership, the bound and oldest-first eviction.
func TestSet(t *testing.T) {
	tests := []struct {
		name    string
		max     int
		adds    []int
		has     []int
		hasNot  []int
		wantLen int
	}{
		{"under the bound", 4, []int{1, 2, 3}, []int{1, 2, 3}, []int{4}, 3},
		{"duplicates count once", 3, []int{1, 1, 2, 2}, []int{1, 2}, nil, 2},
		{"oldest evicted", 3, []int{1, 2, 3, 4, 5}, []int{3, 4, 5}, []int{1, 2}, 3},
		{"wraps around twice", 2, []int{1, 2, 3, 4, 5, 6}, []int{5, 6}, []int{1, 2, 3, 4}, 2},
		{"size zero keeps nothing", 0, []int{1, 2}, nil, []int{1, 2}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := New[int](tc.max, 16)
			for _, k := range tc.adds {
				s.Add(k)
			}
			for _, k := range tc.has {
				if !s.Has(k) {
					t.Errorf("missing %d", k)
				}
			}
			for _, k := range tc.hasNot {
				if s.Has(k) {
					t.Errorf("still holds %d", k)
				}
			}
			if s.Len() != tc.wantLen {
				t.Errorf("len %d, want %d", s.Len(), tc.wantLen)
			}
			s.Reset()
			for _, k := range tc.adds {
				if s.Has(k) {
					t.Errorf("%d kept after Reset", k)
				}
			}
			s.Add(7)
			if tc.max > 0 && (!s.Has(7) || s.Len() != 1) {
				t.Errorf("add after Reset: len %d", s.Len())
			}
		})
	}
}

// BenchmarkAdd measures adding to a full set (one eviction per add).
func BenchmarkAdd(b *testing.B) {
	s := New[int](1000, 1000)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		s.Add(i)
	}
}
