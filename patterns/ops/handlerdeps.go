//go:build kumo_handler_deps

package ops

// Never compiled (no build sets this tag), but `go mod tidy` reads files of
// every build tag: these imports make a module that uses the pattern record
// its handlers' dependencies in its go.sum, which building them by import
// path from that module needs (bundle's go build does not edit go.sum).
import (
	_ "github.com/kumo-iac/kumo/patterns/ops/functions/detect"
	_ "github.com/kumo-iac/kumo/patterns/ops/functions/dispatcher"
	_ "github.com/kumo-iac/kumo/patterns/ops/functions/metadata"
	_ "github.com/kumo-iac/kumo/patterns/ops/functions/remediate"
	_ "github.com/kumo-iac/kumo/patterns/ops/functions/starter"
	_ "github.com/kumo-iac/kumo/patterns/ops/functions/store"
	_ "github.com/kumo-iac/kumo/patterns/ops/functions/thumbnail"
)
