//go:build tools

// Package pulumicli pins the Pulumi CLI that kumo's engine test
// (internal/provider/engine_test.go) runs: a module of its own, outside
// kumo's, whose go.sum makes the CLI's build from the Go module proxy
// reproducible. .ci/run builds it:
//
//	go build -o "$HOME/.cache/kumo-pulumi/pulumi" \
//	  -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v3.175.0" \
//	  github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
//
// Keep its pkg/v3 and sdk/v3 versions equal to the sdk/v3 in kumo's go.mod.
package pulumicli

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
