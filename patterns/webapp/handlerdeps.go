//go:build kumo_handler_deps

package webapp

// Never compiled (no build sets this tag), but `go mod tidy` reads files of
// every build tag: these imports make a module that uses the pattern record
// its handlers' dependencies in its go.sum, which building them by import
// path from that module needs (bundle's go build does not edit go.sum).
import (
	_ "github.com/kumo-iac/kumo/patterns/webapp/functions/authorizer"
	_ "github.com/kumo-iac/kumo/patterns/webapp/functions/authzcheck"
	_ "github.com/kumo-iac/kumo/patterns/webapp/functions/health"
	_ "github.com/kumo-iac/kumo/patterns/webapp/functions/items"
	_ "github.com/kumo-iac/kumo/patterns/webapp/functions/smoketest"
)
