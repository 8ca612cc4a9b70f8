// Package capi is the boundary between Python and goot's Go solvers.
//
// gopy turns every exported function of this package into a function of one
// CPython extension module. Arrays cross as the address of a float64 (or
// int64) buffer that numpy owns plus its length; scalars cross as int,
// float64, bool or string. Each export:
//
//   - recovers from panics (defer guard(&err)), so no input can take the
//     Python process down;
//   - turns addresses into slices through view and optional, the only place
//     that touches raw memory;
//   - calls one goot function and writes its scalars back;
//   - returns (value, error): gopy raises RuntimeError for every error, so
//     each message starts with a stable prefix (see the E* constants) that
//     the Python layer maps to ValueError, TypeError or goot.GootError.
//
// No export keeps a slice after it returns, allocates an output, chooses a
// default or contains an algorithm: those belong to python/goot and goot/.
package capi
