package goot

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goot-ot/goot/internal/testutil"
)

// TestSortKeys checks the radix sort on keys chosen to hit every digit, both
// signs, zeros and infinities, at lengths on both sides of the insertion-sort
// cutoff.
func TestSortKeys(t *testing.T) {
	r := rand.New(rand.NewPCG(6, 6))
	special := []float64{0, math.Copysign(0, -1), math.Inf(1), math.Inf(-1),
		math.SmallestNonzeroFloat64, -math.MaxFloat64, math.MaxFloat64, 1, -1}
	for _, n := range []int{1, 2, insertionMax, insertionMax + 1, 1000, 70000} {
		vals := make([]float64, n)
		for i := range vals {
			switch r.IntN(3) {
			case 0:
				vals[i] = special[r.IntN(len(special))]
			case 1:
				vals[i] = math.Float64frombits(r.Uint64() &^ (0x7ff << 52)) // subnormal
			default:
				vals[i] = r.NormFloat64() * math.Pow(10, float64(r.IntN(40)-20))
			}
		}
		keys, idx := make([]uint64, n), make([]uint32, n)
		for i, v := range vals {
			keys[i], idx[i] = SortKey(v), uint32(i)
		}
		sk, si := SortKeysIndex(keys, make([]uint64, n), idx, make([]uint32, n))
		got := make([]float64, n)
		for k := range sk {
			got[k] = KeyValue(sk[k])
			require.Equal(t, math.Float64bits(vals[si[k]]), math.Float64bits(got[k]))
			if k > 0 && sk[k] == sk[k-1] {
				require.Less(t, si[k-1], si[k], "stable on ties")
			}
		}
		want := slices.Clone(vals)
		slices.Sort(want)
		testutil.AllClose(t, got, want, 0, 0, "n=%d", n)

		keys2 := make([]uint64, n)
		for i, v := range vals {
			keys2[i] = SortKey(v)
		}
		assert.Equal(t, sk, SortKeys(keys2, make([]uint64, n)))
	}
}

// BenchmarkSortKeys compares the radix sort with slices.Sort on the same
// 10^6 normal values, the comparison quoted in sort.go.
func BenchmarkSortKeys(b *testing.B) {
	r := rand.New(rand.NewPCG(8, 8))
	vals := normals(r, 1_000_000)
	keys, tmp := make([]uint64, len(vals)), make([]uint64, len(vals))
	b.Run("radix", func(b *testing.B) {
		for b.Loop() {
			for i, v := range vals {
				keys[i] = SortKey(v)
			}
			SortKeys(keys, tmp)
		}
	})
	work := make([]float64, len(vals))
	b.Run("slices.Sort", func(b *testing.B) {
		for b.Loop() {
			copy(work, vals)
			slices.Sort(work)
		}
	})
}

func normals(r *rand.Rand, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = r.NormFloat64()
	}
	return v
}
