// Package synth runs a kumo stack program entirely offline, against Pulumi
// mocks that stand in for the engine and the AWS provider, and records what it
// would create: every resource with its inputs, parent and dependencies, and
// the stack outputs. The result is a deterministic snapshot that can be
// reviewed as a tree, diffed as JSON in CI, and produced without a network,
// AWS credentials or the pulumi CLI.
package synth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"

	"github.com/hashicorp/go-multierror"
	rarchive "github.com/pulumi/pulumi/sdk/v3/go/common/resource/archive"
	rasset "github.com/pulumi/pulumi/sdk/v3/go/common/resource/asset"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/internals"

	"github.com/kumo-iac/kumo/internal/annotate"
)

// Program is a stack program: it registers resources and returns stack outputs.
type Program func(ctx *pulumi.Context, raw map[string]string) (pulumi.Map, error)

// Request names the stack to synthesize.
type Request struct {
	// Root is the project directory, the one holding Pulumi.yaml.
	Root string
	// Stack selects Pulumi.<Stack>.yaml.
	Stack string

	// Project, when set, makes Config the whole stack config and no file
	// is read: Root then only anchors relative asset paths. Config maps
	// "namespace:key" to the value as the engine hands it to the program
	// (bare keys belong to Project). Default: "", config from the files.
	Project string
	Config  map[string]string

	// JSONOnly says the caller needs only the result's JSON and
	// ResourceCount, as `kumo synth --json` and a program writing its
	// document do. A result read back from a program (RunProgram,
	// SynthesizeProject) then leaves Resources and Outputs empty rather
	// than parsing the contract, which for a large stack is most of the
	// work after the program exits; Run leaves each resource's State (which
	// the contract does not hold) unrecorded.
	JSONOnly bool

	// CheckDetail asks a program for kumo check's report with every
	// suppressed finding (kumo check); without it they are only counted
	// (kumo synth).
	CheckDetail bool

	// depth counts the stack references being resolved.
	depth int
}

// Result is what a stack program would deploy.
type Result struct {
	Project, Stack string
	// Region is the stack's aws:region (us-east-1 when the config sets
	// none, as the mocks assume): where its resources deploy unless their
	// provider names another region. "" in hand-built fixtures and in
	// documents of programs built with a kumo older than the field.
	Region string
	// Resources holds every registered resource, sorted by URN.
	Resources []Resource
	// Outputs holds the stack outputs rendered like resource inputs.
	Outputs map[string]any
	// Notes are what synth could not check (e.g. encrypted values it could
	// not decrypt), for the user to see; they do not fail synth.
	Notes []string

	// Check is kumo check's report of the result (internal/check's JSON),
	// made by the program that synthesized it; not part of the contract.
	Check json.RawMessage

	// contract holds the JSON contract this result was read from (a
	// program's result document); JSON returns it as it is rather than
	// rendering the same bytes again.
	contract []byte
	// count is the number of resources, for a result read back without
	// its Resources (Request.JSONOnly).
	count int
}

// ResourceCount is the number of resources in the result, also when
// Resources was not read back (Request.JSONOnly).
func (r *Result) ResourceCount() int {
	if r.Resources == nil {
		return r.count
	}
	return len(r.Resources)
}

// Resource is one registration: a custom (cloud) resource or a component.
type Resource struct {
	URN, Type, Name string
	Custom          bool
	// Parent is the parent's URN, or "" for children of the root stack.
	Parent string
	// Inputs are the registered inputs rendered as plain JSON values.
	Inputs map[string]any
	// Dependencies are the sorted, de-duplicated URNs the resource depends on.
	Dependencies []string
	// ID and State are what the mock provider answered for a custom
	// resource: its ID, and its inputs with the computed outputs (arn,
	// invokeArn, …) the program sees, rendered like Inputs. They are not
	// part of the JSON contract; components have neither.
	ID    string
	State map[string]any

	// Annotations are what the program attached to the resource with
	// Annotate, by key; not part of the JSON contract.
	Annotations map[string][]string

	// physical maps each name property to the name the provider would give
	// the resource (autonamed when the program set none).
	physical map[string]string
	// pcs is the call stack of the registration, for Site.
	pcs []uintptr
	// region is where the resource's provider deploys it: its explicit
	// aws provider's region, else the stack's ("" in hand-built fixtures).
	region string
	// ignoreChanges are the property paths of the ignoreChanges option,
	// for rules that need them (a table with TableReplicas ignores its
	// replicas block).
	ignoreChanges []string
}

// Region is where the resource's provider deploys it: the region of the
// explicit aws provider it names, else the stack's aws:region.
func (r *Resource) Region() string { return r.region }

// Run loads the stack's config and runs program against mocks. When the
// program fails, Run returns the error and a Result holding only the
// resources registered before it failed. The program's
// error is returned wrapped once so errors.As finds a
// *constructs.ValidationError and the CLI can report bad config distinctly.
func Run(ctx context.Context, req Request, program Program) (*Result, error) {
	root, err := filepath.Abs(req.Root)
	if err != nil {
		return nil, fmt.Errorf("synth: %w", err)
	}
	sc, err := req.stackConfig(root)
	if err != nil {
		return nil, err
	}
	project, raw, secretKeys := sc.Project, sc.Raw, sc.SecretKeys
	var notes []string
	for _, k := range sc.Undecrypted {
		notes = append(notes, fmt.Sprintf("%s is encrypted and was not decrypted (%s); checks of its value were skipped", k, sc.Why))
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("synth stack %s: %w", req.Stack, err)
	}
	mon := newMonitor(project, req.Stack, raw["aws:region"], root)
	mon.keepState = !req.JSONOnly
	mon.stackOutputs = func(name string) (map[string]any, error) {
		return referencedOutputs(ctx, req, project, name, program)
	}

	// pulumi.RunErr would read the user's PULUMI_* environment first, and
	// PULUMI_PLUGINS cannot be overridden by a RunOption; building the
	// RunInfo completely here means nothing from the shell leaks into synth.
	pctx, err := pulumi.NewContext(ctx, pulumi.RunInfo{
		Project:          project,
		Stack:            req.Stack,
		RootDirectory:    root,
		Config:           raw,
		ConfigSecretKeys: secretKeys,
		Mocks:            mon,
	})
	if err != nil {
		return nil, fmt.Errorf("synth stack %s: %w", req.Stack, err)
	}
	defer pctx.Close()

	var (
		outputs    pulumi.Map
		programErr error
	)
	defer annotate.Register(pctx, mon)()
	runErr := pulumi.RunWithContext(pctx, func(c *pulumi.Context) error {
		if err := c.RegisterStackTransformation(mon.recordSite); err != nil {
			return err
		}
		outs, err := program(c, copyConfig(raw))
		if err != nil {
			programErr = err
			return err
		}
		for k, v := range outs {
			c.Export(k, v)
		}
		outputs = outs
		return nil
	})
	switch {
	case programErr != nil:
		// What was registered before the error still comes back, so tests
		// can assert that bad input registered nothing.
		partial := &Result{Project: project, Stack: req.Stack, Region: mon.region, Resources: mon.snapshot()}
		return partial, fmt.Errorf("synth stack %s: %w", req.Stack, programErr)
	case runErr != nil:
		return nil, fmt.Errorf("synth stack %s: %w", req.Stack, flatten(runErr))
	}

	// RunWithContext has waited for all outstanding work of the context, so
	// awaiting the outputs now only reads values that are already resolved.
	rendered := make(map[string]any, len(outputs))
	for k, v := range outputs {
		res, err := internals.UnsafeAwaitOutput(ctx, pulumi.ToOutput(v))
		if err != nil {
			return nil, fmt.Errorf("synth stack %s: output %s: %w", req.Stack, k, err)
		}
		var rv any
		switch {
		case !res.Known:
			rv = unknownPlaceholder
		case res.Secret:
			rv = secretPlaceholder
		default:
			if rv, err = mon.render.goValue(ctx, res.Value); err != nil {
				return nil, fmt.Errorf("synth stack %s: output %s: %w", req.Stack, k, err)
			}
		}
		rendered[k] = rv
	}

	// What `pulumi up` would refuse before the program runs, synth refuses
	// too; it checks after the program so that the program's own config
	// errors, which name the value and what is allowed, come first.
	if req.Project == "" {
		if err := ValidateWithEngine(root, req.Stack); err != nil {
			return nil, err
		}
	}
	mon.attachSites(pctx)
	mon.attachAnnotations()
	res := &Result{Project: project, Stack: req.Stack, Region: mon.region, Resources: mon.snapshot(), Outputs: rendered, Notes: notes}
	// What AWS or the provider would refuse fails synth, as it would fail
	// `pulumi up`; the result still comes back so the offending inputs can
	// be inspected.
	if vs := checkReality(res.Resources, mon.namingViolations()); len(vs) > 0 {
		return res, fmt.Errorf("synth stack %s: %w", req.Stack, &RealityError{Violations: vs})
	}
	return res, nil
}

// maxReferenceDepth bounds chains of stack references (and so cycles).
const maxReferenceDepth = 4

// referencedOutputs synthesizes the stack a StackReference names, from the
// same project and program, and returns its outputs. Only stacks of this
// project can be known offline: "stack", "project/stack" or
// "org/project/stack" with this project's name.
func referencedOutputs(ctx context.Context, req Request, project, name string, program Program) (map[string]any, error) {
	if req.Project != "" {
		return nil, fmt.Errorf("kumo synth resolves stack references from stack files, and this synth was given its config in memory")
	}
	parts := strings.Split(name, "/")
	stack := parts[len(parts)-1]
	if len(parts) > 1 && parts[len(parts)-2] != project {
		return nil, fmt.Errorf("names project %q; kumo synth can only resolve stacks of this project (%s)", parts[len(parts)-2], project)
	}
	if req.depth >= maxReferenceDepth {
		return nil, fmt.Errorf("stack references nest deeper than %d (a cycle?)", maxReferenceDepth)
	}
	res, err := Run(ctx, Request{Root: req.Root, Stack: stack, JSONOnly: true, depth: req.depth + 1}, program)
	if err != nil {
		return nil, fmt.Errorf("kumo synth resolves it by synthesizing stack %s, which failed: %w", stack, err)
	}
	return res.Outputs, nil
}

func copyConfig(raw map[string]string) map[string]string {
	out := make(map[string]string, len(raw))
	for k, v := range raw {
		out[k] = v
	}
	return out
}

// flatten unwraps the go-multierror the SDK collects errors in when it holds
// a single error, so messages read "x failed" rather than "1 error occurred".
func flatten(err error) error {
	var merr *multierror.Error
	if errors.As(err, &merr) && len(merr.Errors) == 1 {
		return merr.Errors[0]
	}
	return err
}

// goValue renders a resolved Go value from a stack output the same way
// resource inputs are rendered.
func (r renderer) goValue(ctx context.Context, v any) (any, error) {
	switch t := v.(type) {
	case nil:
		return nil, nil
	case string, bool:
		return t, nil
	case pulumi.Asset:
		return r.asset(&rasset.Asset{Path: t.Path(), Text: t.Text(), URI: t.URI()})
	case pulumi.Archive:
		return r.goArchive(t)
	case pulumi.Resource:
		res, err := internals.UnsafeAwaitOutput(ctx, t.URN())
		if err != nil {
			return nil, err
		}
		if !res.Known {
			return unknownPlaceholder, nil
		}
		return fmt.Sprint(res.Value), nil
	case pulumi.Output:
		res, err := internals.UnsafeAwaitOutput(ctx, t)
		switch {
		case err != nil:
			return nil, err
		case !res.Known:
			return unknownPlaceholder, nil
		case res.Secret:
			return secretPlaceholder, nil
		}
		return r.goValue(ctx, res.Value)
	}

	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return rv.Int(), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return rv.Uint(), nil
	case reflect.Float32, reflect.Float64:
		return number(rv.Float()), nil
	case reflect.String:
		return rv.String(), nil
	case reflect.Bool:
		return rv.Bool(), nil
	case reflect.Pointer, reflect.Interface:
		if rv.IsNil() {
			return nil, nil
		}
		return r.goValue(ctx, rv.Elem().Interface())
	case reflect.Slice, reflect.Array:
		out := make([]any, rv.Len())
		for i := range out {
			e, err := r.goValue(ctx, rv.Index(i).Interface())
			if err != nil {
				return nil, err
			}
			out[i] = e
		}
		return out, nil
	case reflect.Map:
		if rv.Type().Key().Kind() != reflect.String {
			break
		}
		out := make(map[string]any, rv.Len())
		iter := rv.MapRange()
		for iter.Next() {
			e, err := r.goValue(ctx, iter.Value().Interface())
			if err != nil {
				return nil, err
			}
			out[iter.Key().String()] = e
		}
		return out, nil
	}
	return nil, fmt.Errorf("unsupported output value of type %T", v)
}

func (r renderer) goArchive(a pulumi.Archive) (any, error) {
	members := a.Assets()
	if members == nil {
		return r.archive(&rarchive.Archive{Path: a.Path(), URI: a.URI()})
	}
	assets := make(map[string]any, len(members))
	for name, m := range members {
		var (
			rv  any
			err error
		)
		switch m := m.(type) {
		case pulumi.Asset:
			rv, err = r.asset(&rasset.Asset{Path: m.Path(), Text: m.Text(), URI: m.URI()})
		case pulumi.Archive:
			rv, err = r.goArchive(m)
		default:
			err = fmt.Errorf("unsupported type %T", m)
		}
		if err != nil {
			return nil, fmt.Errorf("archive member %s: %w", name, err)
		}
		assets[name] = rv
	}
	return map[string]any{"archive": map[string]any{"assets": assets}}, nil
}
