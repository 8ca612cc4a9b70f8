package capi

import (
	"errors"
	"fmt"
	"runtime/debug"
	"unsafe"

	"github.com/goot-ot/goot/goot"
)

// Error prefixes read by python/goot/_core.py.
const (
	prefixInvalid  = "EINVAL: "  // bad argument value → ValueError
	prefixPanic    = "EPANIC: "  // a recovered panic → goot.GootError
	prefixInternal = "EINTERN: " // any other failure → goot.GootError
)

// version is the boundary's version; python/goot checks that the extension
// it loads was built from the same sources.
const version = "0.1.0"

// Version returns the version of the extension module.
func Version() (string, error) { return version, nil }

// guard turns a panic in the export that defers it into an error, so that a
// bug surfaces as a Python exception instead of killing the interpreter.
func guard(err *error) {
	if r := recover(); r != nil {
		var pe *goot.PanicError
		if e, ok := r.(error); ok && errors.As(e, &pe) {
			r = pe.Value
		}
		*err = fmt.Errorf("%s%v\n%s", prefixPanic, r, debug.Stack())
	}
}

// wrap adds the prefix that tells Python which exception to raise.
func wrap(err error) error {
	if err == nil {
		return nil
	}
	var ae *goot.ArgError
	if errors.As(err, &ae) {
		return errors.New(prefixInvalid + ae.Error())
	}
	return errors.New(prefixInternal + err.Error())
}

// view returns the n float64 values at address p as a slice. The memory
// belongs to the caller (a numpy array held alive for the whole call); the
// slice must not outlive the export that made it.
func view(arg string, p uintptr, n int) ([]float64, error) {
	if err := checkBuffer(arg, p, n); err != nil {
		return nil, err
	}
	if n == 0 {
		return []float64{}, nil
	}
	return unsafe.Slice((*float64)(unsafe.Pointer(p)), n), nil
}

// optional is view for an output the caller may omit by passing address 0.
func optional(arg string, p uintptr, n int) ([]float64, error) {
	if p == 0 {
		return nil, nil
	}
	return view(arg, p, n)
}

// viewInt64 is view for int64 buffers (index outputs). An address of 0
// means the output is not wanted.
func viewInt64(arg string, p uintptr, n int) ([]int64, error) {
	if p == 0 {
		return nil, nil
	}
	if err := checkBuffer(arg, p, n); err != nil {
		return nil, err
	}
	if n == 0 {
		return []int64{}, nil
	}
	return unsafe.Slice((*int64)(unsafe.Pointer(p)), n), nil
}

func checkBuffer(arg string, p uintptr, n int) error {
	switch {
	case n < 0:
		return goot.Errorf(arg, "negative buffer length %d", n)
	case n > 0 && p == 0:
		return goot.Errorf(arg, "null buffer address")
	case p%8 != 0:
		return goot.Errorf(arg, "buffer address %#x is not 8-byte aligned", p)
	}
	return nil
}
