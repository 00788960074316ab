package constructs_test

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/constructs"
)

// A dispatcher may invoke a processor through the processor's alias and
// nothing else: not the bare function, not $LATEST, not a version.
func TestFunctionGrantInvoke(t *testing.T) {
	p := newProject(t)
	s := p.synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		dispatcher, err := constructs.NewFunction(ctx, "fn", p.checkedFnArgs())
		if err != nil {
			return nil, err
		}
		processor, err := constructs.NewFunction(ctx, "resize", p.checkedFnArgs())
		if err != nil {
			return nil, err
		}
		for range 2 {
			if err := processor.GrantInvoke(dispatcher); err != nil {
				return nil, err
			}
		}
		out := functionOutputs(dispatcher)
		out["processorAlias"], out["processorArn"] = processor.AliasArn, processor.Lambda.Arn
		return out, nil
	})
	alias := func(s *stack) []string { return []string{s.aliasArn("resize")} }
	checkGrantPolicy(t, s, "fn-function-resize-invoke", []wantStatement{{"InvokeAlias", []string{"lambda:InvokeFunction"}, alias}})
	if got, bare := s.output("processorAlias"), s.output("processorArn"); got != bare+":live" {
		t.Errorf("granted resource %q; want the alias %s:live of the processor", got, bare)
	}
	if got := len(s.ofType(typRolePolicy)); got != 5 {
		t.Errorf("role policies: got %d; want 5 (logs and dead-letter queue of each function, one grant)\n%s", got, s.list())
	}
	wantNoCheckErrors(t, s)
}
