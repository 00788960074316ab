// Package kumo is the entry point of a kumo app: a Go program that composes
// kumo's patterns and constructs with plain Pulumi resources. Call Run from
// main instead of pulumi.Run:
//
//	func main() {
//		kumo.Run(func(ctx *pulumi.Context) error {
//			table, err := constructs.NewTable(ctx, "orders", &constructs.TableArgs{})
//			if err != nil {
//				return err
//			}
//			ctx.Export("table", table.Name)
//			return nil
//		})
//	}
//
// Under `pulumi up` and `pulumi preview`, Run is exactly pulumi.Run. Started
// by `kumo synth`, which builds the program and runs it the way `cdk synth`
// runs an app, it runs the same function offline against kumo's mocks and
// reality checks, and hands the result back to the CLI.
package kumo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/constructs"
	"github.com/kumo-iac/kumo/constructs/bundle"
	"github.com/kumo-iac/kumo/internal/check"
	"github.com/kumo-iac/kumo/internal/synth"
)

// Run runs program as the stack's Pulumi program, or synthesizes it
// offline when `kumo synth` started it.
func Run(program func(ctx *pulumi.Context) error, opts ...pulumi.RunOption) {
	// One run: the handlers' sources do not change while it lasts.
	bundle.TrustSourcesForThisRun()
	req, doc, ok := synth.ChildRequest()
	if !ok {
		pulumi.Run(program, opts...)
		return
	}
	// kumo synth runs the program in the background of a shell it hands
	// its process to, which starts it with interrupts ignored, and every go
	// command the program starts would inherit that: a terminal's Ctrl-C
	// must stop them as it stops the program.
	if signal.Ignored(os.Interrupt) {
		interrupted := make(chan os.Signal, 1)
		signal.Notify(interrupted, os.Interrupt)
		go func() {
			<-interrupted
			os.Exit(130)
		}()
	}
	if err := synthesize(context.Background(), req, doc, program); err != nil {
		fmt.Fprintf(os.Stderr, "kumo: %v\n", err)
		os.Exit(1)
	}
}

// synthesize runs program against the mocks and writes the document the CLI
// reads. A failing program is a result to report, not a failure here.
func synthesize(ctx context.Context, req synth.Request, doc string, program func(*pulumi.Context) error) error {
	// The engine hands a Go program its whole config in PULUMI_CONFIG (and
	// the secret keys beside it); programs that read it, as kumo's stacks do
	// to report unknown keys, must see the same under synth.
	if sc, err := synth.LoadStackConfig(req.Root, req.Stack); err == nil {
		cfg, _ := json.Marshal(sc.Raw)
		secret, _ := json.Marshal(sc.SecretKeys)
		os.Setenv(pulumi.EnvConfig, string(cfg))
		os.Setenv(pulumi.EnvConfigSecretKeys, string(secret))
	}
	res, err := synth.Run(ctx, req, synth.FuncProgram(program))
	// The SDK's state of every registration is garbage now; collected
	// before the checks and the document allocate on top of it, the peak
	// stays the registration's (about 40 MB less at a thousand functions).
	runtime.GC()
	if err == nil {
		// kumo check's rules run here, where the program's suppressions
		// and the sites of its resources are known.
		err = check.Attach(res, req.Root, req.CheckDetail)
	}
	return synth.WriteDocument(doc, res, err, kind(err))
}

// kind classifies a synth failure the way the CLI's exit codes do.
func kind(err error) string {
	var (
		invalid *constructs.ValidationError
		engine  *synth.EngineConfigError
		file    *synth.ConfigFileError
		supp    *check.SuppressionError
	)
	switch {
	case err == nil:
		return ""
	case errors.As(err, &invalid), errors.As(err, &engine), errors.As(err, &file), errors.As(err, &supp):
		return synth.KindInvalidConfig
	}
	return synth.KindError
}
