package synth

import (
	"errors"
	"reflect"
	"unsafe"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// FuncProgram adapts a program of the shape pulumi.Run takes, which exports
// with ctx.Export, to a Program, whose outputs synth records.
//
// The SDK keeps exports in an unexported field (Context.state.exports) and
// its mocks drop them (mockMonitor.RegisterResourceOutputs ignores its
// argument), so there is no API to read them offline; exportsOf reads the
// field, and TestExportsOfFollowsTheSDK fails loudly if an SDK upgrade
// moves it, rather than synth silently losing outputs.
func FuncProgram(fn func(ctx *pulumi.Context) error) Program {
	return func(ctx *pulumi.Context, _ map[string]string) (pulumi.Map, error) {
		if err := fn(ctx); err != nil {
			return nil, err
		}
		return exportsOf(ctx)
	}
}

var errExportsLayout = errors.New("synth: this Pulumi SDK keeps stack exports where kumo does not expect them (Context.state.exports); kumo must be updated for it")

// exportsOf returns a copy of what the program passed to ctx.Export.
func exportsOf(ctx *pulumi.Context) (pulumi.Map, error) {
	state := reflect.ValueOf(ctx).Elem().FieldByName("state")
	if !state.IsValid() || state.Kind() != reflect.Pointer || state.IsNil() {
		return nil, errExportsLayout
	}
	field := state.Elem().FieldByName("exports")
	if !field.IsValid() || field.Type() != reflect.TypeOf(map[string]pulumi.Input(nil)) {
		return nil, errExportsLayout
	}
	// The field is only read here, after the program has returned and
	// before the SDK registers the stack's outputs.
	exports := reflect.NewAt(field.Type(), unsafe.Pointer(field.UnsafeAddr())).Elem().Interface().(map[string]pulumi.Input)
	out := make(pulumi.Map, len(exports))
	for k, v := range exports {
		out[k] = v
	}
	return out, nil
}
