// Package scale generates the stacks kumo's scale bench (go run ./test/bench)
// and scale tests synthesize: one stack of N canary functions, every one a
// constructs.Function rolled out through the stack's Releases (CodeDeploy)
// with the default canary preference, the shape issue 9 measured. The
// bench's kumo apps, the byte-identity golden of test/scale_test.go and
// internal/synth's benchmarks all call Program, so they time and pin the
// same stack.
package scale

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/check"
	"github.com/kumo-iac/kumo/constructs"
)

// Args say what the generated stack holds.
type Args struct {
	// Functions is how many canary functions the stack has. Required.
	Functions int
	// GoPackage is the handler package every function builds (one shared
	// package, so kumo compiles it once and decides N times whether its
	// cached zip is current), relative to the project root. Default: "",
	// use Code.
	GoPackage string
	// Code is a prebuilt deployment package every function ships, relative
	// to the project root, with its base64 SHA-256 in CodeSHA256; it leaves
	// bundling out of what is measured. Default: "", use GoPackage.
	Code, CodeSHA256 string
	// PerReleases is how many functions share one constructs.Releases.
	// Default: all of them, as a real stack has one Releases (its CodeDeploy
	// application name is the stack's, so two would collide).
	PerReleases int
}

// Name is the resource name of function i: fixed width, so URNs sort in
// creation order.
func Name(i int) string { return fmt.Sprintf("fn%04d", i) }

// Program registers the stack: a.Functions functions and their Releases.
func Program(a Args) func(ctx *pulumi.Context) error {
	return func(ctx *pulumi.Context) error {
		if a.Functions < 1 || (a.GoPackage == "") == (a.Code == "") {
			return fmt.Errorf("scale: want Functions ≥ 1 and exactly one of GoPackage and Code; got %+v", a)
		}
		per := a.PerReleases
		if per < 1 {
			per = a.Functions
		}
		var releases *constructs.Releases
		for i := range a.Functions {
			if i%per == 0 {
				var err error
				if releases, err = constructs.NewReleases(ctx, fmt.Sprintf("releases%03d", i/per), &constructs.ReleasesArgs{}); err != nil {
					return err
				}
			}
			args := &constructs.FunctionArgs{
				GoPackage:   a.GoPackage,
				Description: fmt.Sprintf("Canary function %d of %d", i+1, a.Functions),
				Environment: map[string]pulumi.StringInput{"INDEX": pulumi.Sprintf("%d", i)},
				Releases:    releases,
			}
			if a.Code != "" {
				args.Code, args.CodeSHA256 = pulumi.NewFileArchive(a.Code), a.CodeSHA256
			}
			fn, err := constructs.NewFunction(ctx, Name(i), args)
			if err != nil {
				return err
			}
			// Like the web app's API handlers, invoked only synchronously:
			// kumo check runs with every synth, so the bench measures it.
			if err := check.Suppress(ctx, fn.Lambda, check.Suppression{Rule: "Serverless-LambdaDLQ", Reason: syncOnly}); err != nil {
				return err
			}
			if err := check.Suppress(ctx, fn.EventInvokeConfig, check.Suppression{Rule: "Serverless-LambdaAsyncFailureDestination", Reason: syncOnly}); err != nil {
				return err
			}
			if i == 0 {
				ctx.Export("firstAlias", fn.AliasArn)
			}
		}
		ctx.Export("functions", pulumi.Int(a.Functions))
		return nil
	}
}

// syncOnly is why the bench's functions need no dead-letter queue.
const syncOnly = "a synth benchmark's function, invoked only synchronously and never deployed"

// Map adapts Program to internal/synth's Program shape, for callers that run
// synth.Run themselves.
func Map(a Args) func(ctx *pulumi.Context, raw map[string]string) (pulumi.Map, error) {
	return func(ctx *pulumi.Context, _ map[string]string) (pulumi.Map, error) {
		return nil, Program(a)(ctx)
	}
}

// ZipName is the file WriteZip writes.
const ZipName = "handler.zip"

// WriteZip writes a small, byte-for-byte reproducible deployment package to
// dir/handler.zip and returns Args for n functions shipping it, with Code
// relative to dir (the project root).
func WriteZip(dir string, n int) (Args, error) { return WriteZipOfSize(dir, n, 0) }

// WriteZipOfSize is WriteZip with the bootstrap padded by size
// incompressible bytes, for a package as large as a built Go handler
// (about 2.5 MB): synth hashes what functions ship.
func WriteZipOfSize(dir string, n, size int) (Args, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateHeader(&zip.FileHeader{Name: "bootstrap", Method: zip.Deflate,
		Modified: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), ExternalAttrs: 0o755 << 16})
	if err != nil {
		return Args{}, err
	}
	if _, err := w.Write([]byte("#!/bin/sh\n# kumo scale bench handler\n")); err != nil {
		return Args{}, err
	}
	if size > 0 {
		pad := make([]byte, 0, size+sha256.Size)
		for block := sha256.Sum256([]byte("kumo")); len(pad) < size; block = sha256.Sum256(block[:]) {
			pad = append(pad, block[:]...)
		}
		if _, err := fmt.Fprintf(w, "exit 0\n# %x\n", pad[:size]); err != nil {
			return Args{}, err
		}
	}
	if err := zw.Close(); err != nil {
		return Args{}, err
	}
	if err := os.WriteFile(filepath.Join(dir, ZipName), buf.Bytes(), 0o644); err != nil {
		return Args{}, err
	}
	sum := sha256.Sum256(buf.Bytes())
	return Args{Functions: n, Code: ZipName, CodeSHA256: base64.StdEncoding.EncodeToString(sum[:])}, nil
}

// MainSource is the main.go of a kumo app whose program is this stack.
func MainSource(a Args) string {
	return fmt.Sprintf(`// Command scale is a generated kumo app of %d canary functions, for
// go run ./test/bench.
package main

import (
	"github.com/kumo-iac/kumo"
	"github.com/kumo-iac/kumo/test/bench/scale"
)

func main() { kumo.Run(scale.Program(%#v)) }
`, a.Functions, a)
}
