//go:build kumo_handler_deps

package datalake

// Never compiled (no build sets this tag), but `go mod tidy` reads files of
// every build tag: these imports make a module that uses the pattern record
// its handlers' dependencies in its go.sum, which building them by import
// path from that module needs (bundle's go build does not edit go.sum).
import (
	_ "github.com/kumo-iac/kumo/patterns/datalake/functions/catalog"
	_ "github.com/kumo-iac/kumo/patterns/datalake/functions/indexer"
	_ "github.com/kumo-iac/kumo/patterns/datalake/functions/mapper"
	_ "github.com/kumo-iac/kumo/patterns/datalake/functions/reducer"
	_ "github.com/kumo-iac/kumo/patterns/datalake/functions/splitter"
)
