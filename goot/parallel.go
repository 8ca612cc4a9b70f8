package goot

import (
	"fmt"
	"runtime"
	"sync"
)

// PanicError carries a panic raised in a worker goroutine of ParallelFor
// back to the calling goroutine, where it is raised again.
type PanicError struct {
	Value any    // the recovered value
	Stack []byte // the worker's stack at the time of the panic
}

func (e *PanicError) Error() string { return fmt.Sprintf("panic in worker: %v", e.Value) }

// ParallelFor splits the range [0, n) into contiguous chunks of at least
// grain indices and calls body(lo, hi) on each chunk from its own goroutine,
// using at most GOMAXPROCS goroutines. It returns when every chunk is done.
//
// When the range is too small to split, body runs on the calling goroutine.
// A panic in any worker is recovered there and raised again on the caller
// as a *PanicError, so a worker can never take the process down by itself.
func ParallelFor(n, grain int, body func(lo, hi int)) {
	if n <= 0 {
		return
	}
	grain = max(grain, 1)
	workers := min(runtime.GOMAXPROCS(0), (n+grain-1)/grain)
	if workers <= 1 {
		body(0, n)
		return
	}

	var wg sync.WaitGroup
	var once sync.Once
	var failure *PanicError
	chunk := (n + workers - 1) / workers
	for lo := 0; lo < n; lo += chunk {
		hi := min(lo+chunk, n)
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if r := recover(); r != nil {
					once.Do(func() { failure = &PanicError{Value: r, Stack: stack()} })
				}
			}()
			body(lo, hi)
		}()
	}
	wg.Wait()
	if failure != nil {
		panic(failure)
	}
}

func stack() []byte {
	buf := make([]byte, 8<<10)
	return buf[:runtime.Stack(buf, false)]
}
