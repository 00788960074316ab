//go:build kumo_handler_deps

package streams

// Never compiled (no build sets this tag), but `go mod tidy` reads files of
// every build tag: these imports make a module that uses the pattern record
// its handlers' dependencies in its go.sum, which building them by import
// path from that module needs (bundle's go build does not edit go.sum).
import (
	_ "github.com/kumo-iac/kumo/patterns/streams/functions/analytics"
	_ "github.com/kumo-iac/kumo/patterns/streams/functions/archive"
	_ "github.com/kumo-iac/kumo/patterns/streams/functions/convert"
	_ "github.com/kumo-iac/kumo/patterns/streams/functions/dispatcher"
	_ "github.com/kumo-iac/kumo/patterns/streams/functions/processor"
	_ "github.com/kumo-iac/kumo/patterns/streams/functions/resize"
	_ "github.com/kumo-iac/kumo/patterns/streams/functions/transform"
)
