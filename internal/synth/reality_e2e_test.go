package synth

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lambda"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// TestRunRefusesWhatAWSRefuses goes through the whole path: a real
// pulumi-aws resource registered against the mocks, autonamed as the
// provider would, fails synth with the property, value, rule and source.
func TestRunRefusesWhatAWSRefuses(t *testing.T) {
	dir := demoProject(t)
	res, err := Run(context.Background(), Request{Root: dir, Stack: "dev"}, func(ctx *pulumi.Context, _ map[string]string) (pulumi.Map, error) {
		_, err := lambda.NewPermission(ctx, "api-GET-/items/{id}", &lambda.PermissionArgs{
			Action: pulumi.String("lambda:InvokeFunction"), Function: pulumi.String("fn"), Principal: pulumi.String("apigateway.amazonaws.com"),
		})
		return nil, err
	})
	var re *RealityError
	if !errors.As(err, &re) {
		t.Fatalf("got %v; want a *RealityError", err)
	}
	if len(re.Violations) != 1 {
		t.Fatalf("got %d violations; want 1:\n%v", len(re.Violations), err)
	}
	v := re.Violations[0]
	if v.Property != "statementId" || !strings.HasPrefix(v.Value.(string), "api-GET-/items/{id}-") ||
		!strings.Contains(v.Rule, "1–100 letters, digits, '-' or '_'") || !strings.Contains(v.Source, "API_AddPermission") {
		t.Errorf("got %+v; want the statementId, its autonamed value, the rule and its source", v)
	}
	if res == nil || len(res.Resources) != 1 {
		t.Errorf("the result should still come back for inspection; got %+v", res)
	}
}

// stackRefProgram exports a value in stack "shared" and reads it through a
// StackReference in any other stack.
func stackRefProgram(ref string) Program {
	return func(ctx *pulumi.Context, _ map[string]string) (pulumi.Map, error) {
		if ctx.Stack() == "shared" {
			return pulumi.Map{"answer": pulumi.String("42")}, nil
		}
		r, err := pulumi.NewStackReference(ctx, "ref", &pulumi.StackReferenceArgs{Name: pulumi.String(ref)})
		if err != nil {
			return nil, err
		}
		return pulumi.Map{"got": r.GetStringOutput(pulumi.String("answer"))}, nil
	}
}

func TestStackReferencesResolveBySynthesizingTheStack(t *testing.T) {
	dir := writeProject(t, map[string]string{
		"Pulumi.yaml":        "name: shop\nruntime: go\n",
		"Pulumi.dev.yaml":    "config:\n  aws:region: eu-west-1\n",
		"Pulumi.shared.yaml": "config:\n  aws:region: eu-west-1\n",
	})
	for _, ref := range []string{"shared", "organization/shop/shared"} {
		res, err := Run(context.Background(), Request{Root: dir, Stack: "dev"}, stackRefProgram(ref))
		if err != nil {
			t.Fatalf("%s: %v", ref, err)
		}
		if got := res.Outputs["got"]; got != "42" {
			t.Errorf("%s: got output %v; want 42 from stack shared", ref, got)
		}
	}
	for ref, want := range map[string]string{
		"missing":                  `stack "missing" not found`,
		"organization/other/stack": `names project "other"; kumo synth can only resolve stacks of this project`,
	} {
		_, err := Run(context.Background(), Request{Root: dir, Stack: "dev"}, stackRefProgram(ref))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("reference %s: got %v; want an error containing %q", ref, err, want)
		}
	}
}

func TestStackReferenceCyclesAreBounded(t *testing.T) {
	dir := writeProject(t, map[string]string{
		"Pulumi.yaml":     "name: shop\nruntime: go\n",
		"Pulumi.dev.yaml": "config:\n  aws:region: eu-west-1\n",
	})
	_, err := Run(context.Background(), Request{Root: dir, Stack: "dev"}, stackRefProgram("dev"))
	if err == nil || !strings.Contains(err.Error(), "stack references nest deeper than") {
		t.Fatalf("got %v; want the nesting bound", err)
	}
}

// TestRunAppliesEngineConfigValidation: what the engine refuses before the
// program runs, synth refuses with the engine's words.
func TestRunAppliesEngineConfigValidation(t *testing.T) {
	dir := writeProject(t, map[string]string{
		"Pulumi.yaml":      "name: shop\nruntime: go\nconfig:\n  memory:\n    type: integer\n",
		"Pulumi.prod.yaml": "config:\n  aws:region: eu-west-1\n",
		"build/api.zip":    "zip bytes",
	})
	_, err := Run(context.Background(), Request{Root: dir, Stack: "prod"}, demoProgram)
	var ee *EngineConfigError
	if !errors.As(err, &ee) || !strings.Contains(err.Error(), "Stack 'prod' is missing configuration value 'memory'") {
		t.Fatalf("got %v; want an *EngineConfigError naming the missing key", err)
	}
}
