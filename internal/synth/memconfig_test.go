package synth

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sqs"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// TestRunWithConfigInMemory: the same config handed in memory, with no
// Pulumi.yaml in sight, synthesizes byte-identical output to the stack files.
func TestRunWithConfigInMemory(t *testing.T) {
	fromFiles, err := Run(context.Background(), Request{Root: demoProject(t), Stack: "dev"}, demoProgram)
	if err != nil {
		t.Fatal(err)
	}
	bare := writeProject(t, map[string]string{"build/api.zip": "zip bytes"})
	inMemory, err := Run(context.Background(), Request{Root: bare, Stack: "dev", Project: "shop",
		Config: map[string]string{"aws:region": "eu-west-1", "memory": "256"}}, demoProgram)
	if err != nil {
		t.Fatal(err)
	}
	a, err := fromFiles.JSON()
	if err != nil {
		t.Fatal(err)
	}
	b, err := inMemory.JSON()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Errorf("in-memory config synthesized differently from the same config in files:\nfiles:\n%s\nmemory:\n%s", a, b)
	}
}

func TestRunWithConfigInMemoryRefusesWhatTheEngineWould(t *testing.T) {
	_, err := Run(context.Background(), Request{Root: t.TempDir(), Stack: "dev!", Project: "my project",
		Config: map[string]string{"aws:": "x", "a:b:c": "y", "memory": "1", "my project:memory": "2"}}, demoProgram)
	if err == nil {
		t.Fatal("got no error; want the bad project, stack and keys refused")
	}
	for _, want := range []string{`project "my project"`, `stack "dev!"`, `config key "aws:"`, `config key "a:b:c"`, "set twice"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

// TestRunWithConfigInMemoryKeepsRealityChecks: config in memory skips the
// file checks only; what AWS would refuse still fails synth.
func TestRunWithConfigInMemoryKeepsRealityChecks(t *testing.T) {
	_, err := Run(context.Background(), Request{Root: t.TempDir(), Stack: "test", Project: "shop", Config: map[string]string{}},
		func(ctx *pulumi.Context, _ map[string]string) (pulumi.Map, error) {
			_, err := sqs.NewQueue(ctx, "jobs", &sqs.QueueArgs{Name: pulumi.String("no spaces allowed")})
			return nil, err
		})
	var re *RealityError
	if !errors.As(err, &re) {
		t.Fatalf("got %v; want a *RealityError for the queue name", err)
	}
}

func TestRunWithConfigInMemoryRefusesStackReferences(t *testing.T) {
	_, err := Run(context.Background(), Request{Root: t.TempDir(), Stack: "test", Project: "shop", Config: map[string]string{}},
		func(ctx *pulumi.Context, _ map[string]string) (pulumi.Map, error) {
			ref, err := pulumi.NewStackReference(ctx, "shared", &pulumi.StackReferenceArgs{Name: pulumi.String("shop/shared")})
			if err != nil {
				return nil, err
			}
			return pulumi.Map{"x": ref.GetOutput(pulumi.String("x"))}, nil
		})
	if err == nil || !strings.Contains(err.Error(), "in memory") {
		t.Errorf("got %v; want stack references refused, naming the in-memory config", err)
	}
}

// TestRunRecordsState: each custom resource carries the ID and outputs the
// program saw, which is how tests follow references; the JSON contract does
// not change.
func TestRunRecordsState(t *testing.T) {
	res, err := Run(context.Background(), Request{Root: demoProject(t), Stack: "dev"}, demoProgram)
	if err != nil {
		t.Fatal(err)
	}
	fn := findResource(t, res, "aws:lambda/function:Function", "api")
	if got, want := fn.State["arn"], res.Outputs["functionArn"]; got != want || got == nil {
		t.Errorf("function state arn: got %v; want the exported functionArn %v", got, want)
	}
	if got := fn.State["memorySize"]; got != int64(128) {
		t.Errorf("function state memorySize: got %#v; want the input 128", got)
	}
	if fn.ID == "" || !strings.HasSuffix(fn.State["arn"].(string), ":function:"+fn.ID) {
		t.Errorf("function ID %q; want the function name its ARN ends with (%v)", fn.ID, fn.State["arn"])
	}
	if api := findResource(t, res, "kumo:test:Api", "api"); api.State != nil || api.ID != "" {
		t.Errorf("component state %v, ID %q; want none", api.State, api.ID)
	}
	b, err := res.JSON()
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(b, []byte(`"state"`)) || bytes.Contains(b, []byte(`"id"`)) {
		t.Errorf("JSON contract changed: state or id appear in\n%s", b)
	}
}
