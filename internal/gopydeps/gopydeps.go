//go:build gopydeps

// Package gopydeps anchors the gopy runtime helpers in go.mod.
//
// The extension module that gopy generates imports gopyh, but it is generated
// into an ignored directory, so without this file `go mod tidy` would drop the
// requirement and gopy's `go build -mod=mod` would then try to resolve it
// again at build time. The build tag keeps it out of every normal build.
package gopydeps

import _ "github.com/go-python/gopy/gopyh"
