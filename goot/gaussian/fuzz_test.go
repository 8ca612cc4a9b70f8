package gaussian

import (
	"errors"
	"math"
	"testing"

	"github.com/goot-ot/goot/goot"
)

// fuzzMatrix builds a d×d matrix from the fuzzer's bytes: symmetric PSD
// (G Gᵀ) when psd is set, arbitrary otherwise.
func fuzzMatrix(data []byte, d int, psd bool) []float64 {
	G := make([]float64, d*d)
	for i := range G {
		if i < len(data) {
			G[i] = float64(int8(data[i])) / 16
		}
	}
	if !psd {
		return G
	}
	A := make([]float64, d*d)
	gemm(noT, trans, d, 1, G, G, 0, A)
	return A
}

// checkOutcome fails unless err is nil or an *goot.ArgError, and unless every
// value is finite and non-negative when err is nil.
func checkOutcome(t *testing.T, err error, values []float64) {
	t.Helper()
	if err != nil {
		var ae *goot.ArgError
		if !errors.As(err, &ae) {
			t.Fatalf("error of type %T: %v", err, err)
		}
		return
	}
	for i, v := range values {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Fatalf("value %d is %v", i, v)
		}
	}
}

func FuzzDistances(f *testing.F) {
	f.Add([]byte{16, 0, 0, 16}, []byte{32, 8, 8, 32}, uint8(2), true)
	f.Add([]byte{1, 2, 3}, []byte{}, uint8(3), false)
	f.Fuzz(func(t *testing.T, a, b []byte, dd uint8, psd bool) {
		d := int(dd%6) + 1
		Cs, Ct := fuzzMatrix(a, d, psd), fuzzMatrix(b, d, true)
		out := make([]float64, 1)
		err := Distances(nil, 1, nil, 1, Cs, Ct, d, false, out)
		checkOutcome(t, err, out)
		if err == nil && out[0] < 0 {
			t.Fatalf("negative squared distance %v", out[0])
		}
	})
}

func FuzzMapping(f *testing.F) {
	f.Add([]byte{16, 0, 0, 16}, []byte{32, 8, 8, 32}, uint8(2))
	f.Fuzz(func(t *testing.T, a, b []byte, dd uint8) {
		d := int(dd%5) + 1
		A, bias := make([]float64, d*d), make([]float64, d)
		err := Mapping(make([]float64, d), make([]float64, d), fuzzMatrix(a, d, true),
			fuzzMatrix(b, d, true), d, A, bias, nil, nil)
		checkOutcome(t, err, A)
	})
}

func FuzzBarycenter(f *testing.F) {
	f.Add([]byte{16, 0, 0, 16}, []byte{32, 8, 8, 32}, uint8(2), false)
	f.Fuzz(func(t *testing.T, a, b []byte, dd uint8, gd bool) {
		d := int(dd%4) + 1
		C := append(fuzzMatrix(a, d, true), fuzzMatrix(b, d, true)...)
		opt := BarycenterOptions{MaxIter: 50}
		if gd {
			opt.Method = GradientDescent
		}
		Cb := make([]float64, d*d)
		_, err := Barycenter(C, 2, d, []float64{0.5, 0.5}, opt, Cb)
		checkOutcome(t, err, Cb)
	})
}

func FuzzLogExpGeodesic(f *testing.F) {
	f.Add([]byte{16, 0, 0, 16}, []byte{32, 8, 8, 32}, uint8(2), 0.5)
	f.Fuzz(func(t *testing.T, a, b []byte, dd uint8, s float64) {
		d := int(dd%4) + 1
		X, S := fuzzMatrix(a, d, true), fuzzMatrix(b, d, true)
		V, E := make([]float64, d*d), make([]float64, d*d)
		checkOutcome(t, Log(X, S, d, V), V)
		checkOutcome(t, Exp(X, fuzzMatrix(b, d, false), d, E), E)
		if math.IsNaN(s) || math.Abs(s) > 10 {
			s = 0.5
		}
		G := make([]float64, d*d)
		checkOutcome(t, Geodesic(X, S, d, []float64{s}, G), G)
	})
}

func FuzzGeneralizedDistances(f *testing.F) {
	f.Add([]byte{16, 0, 0, 16}, []byte{32, 8, 8, 32}, uint8(2), 1.0)
	f.Fuzz(func(t *testing.T, a, b []byte, dd uint8, theta float64) {
		d := int(dd%4) + 1
		I := make([]float64, d*d)
		for i := range d {
			I[i*d+i] = 1
		}
		out := make([]float64, 1)
		err := GeneralizedDistances(fuzzMatrix(a, d, true), 1, fuzzMatrix(b, d, true), 1, d,
			I, theta, false, out)
		checkOutcome(t, err, out)
	})
}

func FuzzSamplesW2(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6}, []byte{6, 5, 4, 3, 2, 1}, uint8(2), true)
	f.Fuzz(func(t *testing.T, a, b []byte, dd uint8, unbiased bool) {
		d := int(dd%4) + 1
		n, m := max(len(a)/d, 1), max(len(b)/d, 1)
		X, Y := make([]float64, n*d), make([]float64, m*d)
		for i := range X {
			if i < len(a) {
				X[i] = float64(int8(a[i]))
			}
		}
		for i := range Y {
			if i < len(b) {
				Y[i] = float64(int8(b[i]))
			}
		}
		v, err := SamplesW2(X, n, Y, m, d, unbiased, 0)
		checkOutcome(t, err, []float64{v})
	})
}
