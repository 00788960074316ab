//go:build kumo_provider_deps

package plugin

// Never compiled (no build sets this tag), but `go mod tidy` reads files of
// every build tag: this import makes a project that uses kumo's constructs
// record the provider's dependencies (pulumi-go-provider and the rest) in
// its go.sum, which Ensure's go build of the plugin in that module needs.
import _ "github.com/kumo-iac/kumo/internal/provider"
