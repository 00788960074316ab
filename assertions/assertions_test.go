package assertions_test

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sqs"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"

	"github.com/kumo-iac/kumo/assertions"
	"github.com/kumo-iac/kumo/constructs"
	"github.com/kumo-iac/kumo/internal/synth"
)

var euWest1 = assertions.Options{Config: map[string]string{"aws:region": "eu-west-1"}}

// recorder is a TestingT that keeps what would fail a test, so failure
// messages can be checked. Fatalf stops the goroutine, as testing's does.
type recorder struct {
	errors []string
	fatal  string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}
func (r *recorder) Fatalf(format string, args ...any) {
	r.fatal = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// failures runs check against tpl reporting to a recorder and returns
// every message it reported.
func failures(tpl *assertions.Template, check func(tpl *assertions.Template)) []string {
	r := &recorder{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		check(tpl.WithT(r))
	}()
	<-done
	if r.fatal != "" {
		return append(r.errors, r.fatal)
	}
	return r.errors
}

func TestQueriesPass(t *testing.T) {
	tpl := assertions.Synth(t, ordersProgram, euWest1)
	tpl.ResourceCountIs("aws:lambda/function:Function", 1)
	tpl.ResourceCountIs("aws:sns/topic:Topic", 0)
	tpl.HasResourceProperties("aws:lambda/function:Function", assertions.M{"memorySize": 256, "timeout": 10})
	tpl.AllResourcesProperties("aws:iam/rolePolicy:RolePolicy", assertions.M{"role": tpl.Resource("aws:iam/role:Role", "orders").Attr("name")})

	fnComp := tpl.Resource("kumo:constructs:Function", "orders")
	fn := tpl.Resource("aws:lambda/function:Function", "orders")
	alias := tpl.Resource("aws:lambda/alias:Alias", "orders")
	if fn.Parent != fnComp.URN {
		t.Errorf("function parent: got %s; want the kumo Function component", fn.Parent)
	}
	var kids []string
	for _, c := range fnComp.Children() {
		kids = append(kids, c.String())
	}
	if got := strings.Join(kids, "; "); !strings.Contains(got, "aws:lambda/alias:Alias orders") || !strings.Contains(got, "aws:lambda/function:Function orders") {
		t.Errorf("component children: got %s; want the function and its alias", got)
	}
	alias.HasProperties(assertions.M{"functionName": fn.Attr("name"), "name": "live"})
	alias.DependsOn(fn)
	tpl.HasOutput("ordersArn", alias.Attr("arn"))
	tpl.HasOutput("queueUrl", assertions.StringLike(`^https://sqs\.eu-west-1\.amazonaws\.com/123456789012/jobs-`))
	if got := fn.Input("environment.variables.TABLE_NAME"); got != tpl.Resource("aws:dynamodb/table:Table", "orders").Attr("name").Value() {
		t.Errorf("TABLE_NAME: got %v; want the table's name", got)
	}
	if got := fn.Input("architectures[0]"); got != "arm64" {
		t.Errorf(`Input("architectures[0]"): got %v; want arm64`, got)
	}
	if got := len(tpl.FindResources("", assertions.M{"name": "live"})); got != 1 {
		t.Errorf("FindResources by name input: got %d; want the alias", got)
	}
}

// TestFailureMessages: each failing assertion says what it wanted, what it
// found, and where, naming the candidates.
func TestFailureMessages(t *testing.T) {
	tpl := assertions.Synth(t, ordersProgram, euWest1)
	cases := []struct {
		name  string
		check func(tpl *assertions.Template)
		want  []string
	}{
		{"a property differs", func(tpl *assertions.Template) {
			tpl.HasResourceProperties("aws:lambda/function:Function", assertions.M{"memorySize": 512, "tracingConfig": assertions.M{"mode": "PassThrough"}})
		}, []string{"HasResourceProperties(aws:lambda/function:Function): none of 1 matches", "  orders:\n",
			"inputs.memorySize: got 256; want 512", `inputs.tracingConfig.mode: got "Active"; want "PassThrough"`}},
		{"count", func(tpl *assertions.Template) { tpl.ResourceCountIs("aws:lambda/alias:Alias", 2) },
			[]string{"ResourceCountIs(aws:lambda/alias:Alias): got 1; want 2", "aws:lambda/alias:Alias orders"}},
		{"misspelt type", func(tpl *assertions.Template) { tpl.ResourceCountIs("aws:lambda/alias:Alais", 1) },
			[]string{"got 0; want 1; closest types in the stack: aws:lambda/alias:Alias"}},
		{"no resource of the type", func(tpl *assertions.Template) { tpl.HasResourceProperties("aws:sns/topic:Topic", assertions.M{}) },
			[]string{"HasResourceProperties(aws:sns/topic:Topic): got no resource of that type; closest types"}},
		{"misspelt name", func(tpl *assertions.Template) { tpl.Resource("aws:iam/rolePolicy:RolePolicy", "orders-log") },
			[]string{`Resource(aws:iam/rolePolicy:RolePolicy, "orders-log"): got none by that name`, "(closest first): orders-logs, orders-table-orders-readwrite"}},
		{"ambiguous name", func(tpl *assertions.Template) { tpl.Resource("", "orders") },
			[]string{`Resource(, "orders"): got 8 resources; want 1, give the type`, "aws:dynamodb/table:Table orders"}},
		{"reference", func(tpl *assertions.Template) {
			table := tpl.Resource("aws:dynamodb/table:Table", "orders")
			tpl.Resource("aws:lambda/alias:Alias", "orders").HasProperties(assertions.M{"functionName": table.Attr("name")})
		}, []string{"aws:lambda/alias:Alias orders: HasProperties", `inputs.functionName: got "orders-`, `want aws:dynamodb/table:Table orders's name "orders-`}},
		{"absent and array", func(tpl *assertions.Template) {
			tpl.Resource("aws:lambda/function:Function", "orders").HasProperties(assertions.M{
				"timeout": assertions.Absent(), "architectures": assertions.ArrayWith("x86_64"), "nope": assertions.AnyValue()})
		}, []string{`inputs.architectures: got ["arm64"]; want a list with an element "x86_64"`,
			"inputs.nope: got nothing (absent); want any value", "inputs.timeout: got 10; want absent"}},
		{"policy document", func(tpl *assertions.Template) {
			tpl.Resource("aws:iam/rolePolicy:RolePolicy", "orders-logs").HasProperties(assertions.M{
				"policy": assertions.SerializedJSON(assertions.M{"Statement": []any{assertions.M{"Sid": "Other"}, assertions.AnyValue()}})})
		}, []string{`inputs.policy.(json).Statement[0].Sid: got "WriteOwnLogGroup"; want "Other"`}},
		{"all resources", func(tpl *assertions.Template) {
			tpl.AllResourcesProperties("aws:iam/rolePolicy:RolePolicy", assertions.M{"policy": assertions.StringLike(`logs:`)})
		}, []string{"AllResourcesProperties(aws:iam/rolePolicy:RolePolicy): 1 of 2 do not match", "  orders-table-orders-readwrite:\n",
			`inputs.policy: got "{\"Version\"`, "want a string matching /logs:/"}},
		{"dependency", func(tpl *assertions.Template) {
			tpl.Resource("aws:dynamodb/table:Table", "orders").DependsOn(tpl.Resource("aws:lambda/function:Function", "orders"))
		}, []string{"aws:dynamodb/table:Table orders: DependsOn: got dependencies on nothing; want one on aws:lambda/function:Function orders"}},
		{"output", func(tpl *assertions.Template) { tpl.HasOutput("queueURL", assertions.AnyValue()) },
			[]string{`HasOutput("queueURL")`, "outputs.queueURL: got nothing (absent); want any value"}},
		{"missing output", func(tpl *assertions.Template) { tpl.Output("queueURL") },
			[]string{`Output("queueURL"): got no such output; outputs: ordersArn, queueUrl`}},
		{"component attribute", func(tpl *assertions.Template) { tpl.Resource("kumo:constructs:Table", "orders").Attr("arn") },
			[]string{"a component has no provider outputs"}},
		{"unknown attribute", func(tpl *assertions.Template) { tpl.Resource("aws:dynamodb/table:Table", "orders").Attr("ARN") },
			[]string{`Attr("ARN"): got no such output; outputs: arn, attributes`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			msgs := failures(tpl, tc.check)
			if len(msgs) != 1 {
				t.Fatalf("failures: got %d (%q); want 1", len(msgs), msgs)
			}
			for _, w := range tc.want {
				if !strings.Contains(msgs[0], w) {
					t.Errorf("message lacks %q:\n%s", w, msgs[0])
				}
			}
		})
	}
}

// TestProgramShapes: every program shape runs with the given config; the
// defaults name project and stack "test".
func TestProgramShapes(t *testing.T) {
	opts := assertions.Options{Project: "shop", Stack: "ci", Config: map[string]string{"aws:region": "eu-west-1", "size": "3"}}
	where := func(ctx *pulumi.Context) pulumi.Map {
		return pulumi.Map{"where": pulumi.String(ctx.Project() + "/" + ctx.Stack() + "/" + config.Get(ctx, "size"))}
	}
	exports := func(ctx *pulumi.Context) error {
		ctx.Export("where", where(ctx)["where"])
		return nil
	}
	returns := func(ctx *pulumi.Context) (pulumi.Map, error) { return where(ctx), nil }
	full := func(ctx *pulumi.Context, cfg map[string]string) (pulumi.Map, error) {
		if cfg["shop:size"] != "3" || cfg["aws:region"] != "eu-west-1" {
			return nil, fmt.Errorf("config %v; want shop:size and aws:region", cfg)
		}
		return where(ctx), nil
	}
	assertions.Synth(t, exports, opts).HasOutput("where", "shop/ci/3")
	assertions.Synth(t, returns, opts).HasOutput("where", "shop/ci/3")
	assertions.Synth(t, full, opts).HasOutput("where", "shop/ci/3")
	assertions.Synth(t, synth.Program(full), opts).HasOutput("where", "shop/ci/3")
	assertions.Synth(t, exports, assertions.Options{}).HasOutput("where", "test/test/")
}

// TestTrySynth: what AWS would refuse fails synth, and the template still
// shows the offending inputs; a program error keeps what was registered.
func TestTrySynth(t *testing.T) {
	badName := func(ctx *pulumi.Context) error {
		_, err := sqs.NewQueue(ctx, "jobs", &sqs.QueueArgs{Name: pulumi.String("no spaces allowed")})
		return err
	}
	tpl, err := assertions.TrySynth(t, badName, euWest1)
	if err == nil || !strings.Contains(err.Error(), "no spaces allowed") {
		t.Errorf("err: got %v; want the queue name refused", err)
	}
	if tpl == nil {
		t.Fatal("template: got nil; want the refused stack")
	}
	tpl.HasResourceProperties("aws:sqs/queue:Queue", assertions.M{"name": "no spaces allowed"})

	if msg := fatalOf(func(r *recorder) { assertions.Synth(r, badName, euWest1) }); !strings.Contains(msg, "assertions.Synth: ") || !strings.Contains(msg, "no spaces allowed") {
		t.Errorf("Synth of a refused stack: got %q; want a fatal naming the refusal", msg)
	}

	tpl, err = assertions.TrySynth(t, func(ctx *pulumi.Context) error {
		if _, err := constructs.NewTable(ctx, "orders", &constructs.TableArgs{}); err != nil {
			return err
		}
		_, err := constructs.NewFunction(ctx, "orders", &constructs.FunctionArgs{MemoryMB: 64})
		return err
	}, euWest1)
	var ve *constructs.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("err: got %v; want a *constructs.ValidationError", err)
	}
	tpl.ResourceCountIs("aws:dynamodb/table:Table", 1)
	tpl.ResourceCountIs("aws:lambda/function:Function", 0)
}

func fatalOf(f func(r *recorder)) string {
	r := &recorder{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(r)
	}()
	<-done
	return r.fatal
}

func TestMatchesSnapshot(t *testing.T) {
	path := filepath.Join(t.TempDir(), "testdata", "orders.json")
	tpl := assertions.Synth(t, ordersProgram, euWest1)
	if msgs := failures(tpl, func(tpl *assertions.Template) { tpl.MatchesSnapshot(path) }); len(msgs) != 1 ||
		!strings.Contains(msgs[0], "got no snapshot file; run the test with -update to write it") {
		t.Errorf("missing snapshot: got %q; want a hint to run -update", msgs)
	}

	setUpdate(t, "true")
	tpl.MatchesSnapshot(path)
	setUpdate(t, "false")
	want, err := tpl.JSON()
	if err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(path); err != nil || string(got) != string(want) {
		t.Fatalf("-update wrote %q (%v); want the synth JSON", got, err)
	}
	tpl.MatchesSnapshot(path)

	bigger := assertions.Synth(t, ordersProgram, assertions.Options{Config: map[string]string{"aws:region": "eu-west-1", "test:memoryMB": "512"}})
	msgs := failures(bigger, func(tpl *assertions.Template) { tpl.MatchesSnapshot(path) })
	if len(msgs) != 1 {
		t.Fatalf("changed stack: got %q; want one failure", msgs)
	}
	for _, w := range []string{"differs from the snapshot (- snapshot, + got)", "run the test with -update",
		`"memorySize": 256,`, `"memorySize": 512,`} {
		if !strings.Contains(msgs[0], w) {
			t.Errorf("diff lacks %q:\n%s", w, msgs[0])
		}
	}
	for _, line := range strings.Split(msgs[0], "\n") {
		if strings.Contains(line, `"memorySize": 256`) && !strings.HasPrefix(line, "-") ||
			strings.Contains(line, `"memorySize": 512`) && !strings.HasPrefix(line, "+") {
			t.Errorf("diff line %q: want 256 removed (-) and 512 added (+)", line)
		}
	}
}

func setUpdate(t *testing.T, v string) {
	t.Helper()
	if err := flag.Set("update", v); err != nil {
		t.Fatal(err)
	}
}
