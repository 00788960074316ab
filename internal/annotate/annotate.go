// Package annotate carries what a program attaches to its resources for
// the tools that read a synth (kumo check's suppressions) from the program
// to the synth recording them, without either importing the other. Under
// pulumi up no synth is recording, and nothing is attached anywhere.
package annotate

import (
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Recorder is a synth recording annotations by resource URN.
type Recorder interface {
	RecordAnnotation(urn, key, value string)
}

// recorders maps each context being synthesized to its recorder.
var recorders sync.Map // *pulumi.Context -> Recorder

// Register makes r record the annotations of ctx until the returned
// function is called.
func Register(ctx *pulumi.Context, r Recorder) (unregister func()) {
	recorders.Store(ctx, r)
	return func() { recorders.Delete(ctx) }
}

// Active reports whether a synth is recording ctx's annotations.
func Active(ctx *pulumi.Context) bool {
	_, ok := recorders.Load(ctx)
	return ok
}

// Add attaches value under key to res, once its URN is known, and reports
// whether a synth is recording; under pulumi up it does nothing.
func Add(ctx *pulumi.Context, res pulumi.Resource, key, value string) bool {
	v, ok := recorders.Load(ctx)
	if !ok || res == nil {
		return false
	}
	r := v.(Recorder)
	res.URN().ApplyT(func(u pulumi.URN) pulumi.URN {
		r.RecordAnnotation(string(u), key, value)
		return u
	})
	return true
}

// AddToURN is Add for a resource whose URN the caller already resolved
// (inside an apply of its own), which saves an apply per annotation.
func AddToURN(ctx *pulumi.Context, urn, key, value string) bool {
	v, ok := recorders.Load(ctx)
	if !ok {
		return false
	}
	v.(Recorder).RecordAnnotation(urn, key, value)
	return true
}
