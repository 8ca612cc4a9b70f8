package capi

import (
	"errors"
	"math"
	"strings"
	"syscall"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goot-ot/goot/goot"
)

// offHeap returns n float64s of memory Go's allocator does not own, as numpy
// memory is (a Go-heap address through a uintptr trips checkptr, trap T16).
func offHeap(t *testing.T, n int) (uintptr, []float64) {
	t.Helper()
	mem, err := syscall.Mmap(-1, 0, 8*n, syscall.PROT_READ|syscall.PROT_WRITE,
		syscall.MAP_ANON|syscall.MAP_PRIVATE)
	require.NoError(t, err)
	t.Cleanup(func() { _ = syscall.Munmap(mem) })
	p := uintptr(unsafe.Pointer(&mem[0]))
	return p, unsafe.Slice((*float64)(unsafe.Pointer(p)), n)
}

func TestViewChecksBuffers(t *testing.T) {
	p, data := offHeap(t, 4)
	data[2] = 7
	got, err := view("x", p, 4)
	require.NoError(t, err)
	assert.Equal(t, 7.0, got[2])

	for _, tc := range []struct {
		name string
		p    uintptr
		n    int
		want string
	}{
		{"negative length", p, -1, "negative buffer length"},
		{"null", 0, 3, "null buffer"},
		{"misaligned", p + 4, 1, "aligned"},
	} {
		_, err := view("x", tc.p, tc.n)
		assert.ErrorContains(t, err, tc.want, tc.name)
	}
	empty, err := view("x", 0, 0)
	assert.NoError(t, err)
	assert.Empty(t, empty)
	none, err := optional("x", 0, 5)
	assert.NoError(t, err)
	assert.Nil(t, none)
}

func TestGuardTurnsPanicsIntoErrors(t *testing.T) {
	boom := func() (v int, err error) {
		defer guard(&err)
		var s []float64
		_ = s[3]
		return 1, nil
	}
	_, err := boom()
	require.Error(t, err)
	assert.True(t, strings.HasPrefix(err.Error(), prefixPanic), err.Error())

	inWorker := func() (v int, err error) {
		defer guard(&err)
		goot.ParallelFor(1000, 1, func(lo, hi int) {
			if lo > 0 {
				panic("worker failed")
			}
		})
		return 1, nil
	}
	_, err = inWorker()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "worker failed")
}

func TestWrapPrefixes(t *testing.T) {
	assert.Nil(t, wrap(nil))
	assert.Equal(t, "EINVAL: M: NaN", wrap(goot.Errorf("M", "NaN")).Error())
	assert.True(t, strings.HasPrefix(wrap(errors.New("x")).Error(), prefixInternal))
}

func TestDistThroughBoundary(t *testing.T) {
	px, x := offHeap(t, 2)
	py, y := offHeap(t, 2)
	po, out := offHeap(t, 1)
	copy(x, []float64{0, 0})
	copy(y, []float64{3, 4})
	written, err := Dist(px, 1, py, 1, 2, "euclidean", 2, po)
	require.NoError(t, err)
	assert.Equal(t, 1, written)
	assert.Equal(t, 5.0, out[0])

	_, err = Dist(px, 1, py, 1, 2, "nope", 2, po)
	assert.ErrorContains(t, err, prefixInvalid)
}

func TestLPEMDThroughBoundary(t *testing.T) {
	pa, a := offHeap(t, 2)
	pM, M := offHeap(t, 4)
	pG, G := offHeap(t, 4)
	pinfo, info := offHeap(t, 3)
	copy(a, []float64{0.5, 0.5})
	copy(M, []float64{0, 1, 1, 0})
	status, err := LPEMD(pa, 2, pa, 2, pM, pG, 0, 0, 0, false, pinfo)
	require.NoError(t, err)
	assert.Equal(t, int(goot.Optimal), status)
	assert.Equal(t, []float64{0.5, 0, 0, 0.5}, G)
	assert.Equal(t, 0.0, info[0])

	M[1] = math.Inf(-1)
	_, err = LPEMD(pa, 2, pa, 2, pM, pG, 0, 0, 0, false, pinfo)
	assert.ErrorContains(t, err, prefixInvalid)
}
