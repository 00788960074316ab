package assertions_test

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sqs"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"

	"github.com/kumo-iac/kumo/assertions"
	"github.com/kumo-iac/kumo/constructs"
)

// ordersProgram is a user's stack program, of the shape pulumi.Run takes:
// a kumo table and function, a grant, and a plain pulumi-aws queue.
func ordersProgram(ctx *pulumi.Context) error {
	table, err := constructs.NewTable(ctx, "orders", &constructs.TableArgs{})
	if err != nil {
		return err
	}
	fn, err := constructs.NewFunction(ctx, "orders", &constructs.FunctionArgs{
		Code:        pulumi.NewFileArchive("testdata/handler.zip"),
		CodeSHA256:  "dGVzdC1jb2RlLXNoYTI1Ng==",
		MemoryMB:    config.GetInt(ctx, "memoryMB"),
		Environment: map[string]pulumi.StringInput{"TABLE_NAME": table.Name},
	})
	if err != nil {
		return err
	}
	if err := table.GrantReadWrite(fn); err != nil {
		return err
	}
	jobs, err := sqs.NewQueue(ctx, "jobs", &sqs.QueueArgs{MessageRetentionSeconds: pulumi.Int(86400)})
	if err != nil {
		return err
	}
	ctx.Export("queueUrl", jobs.Url)
	ctx.Export("ordersArn", fn.AliasArn)
	return nil
}

// exampleT stands in for the *testing.T a real test hands to Synth; it
// prints what would fail the test.
type exampleT struct{}

func (exampleT) Helper()                           {}
func (exampleT) Errorf(format string, args ...any) { fmt.Printf("FAIL "+format+"\n", args...) }
func (exampleT) Fatalf(format string, args ...any) { fmt.Printf("FATAL "+format+"\n", args...) }

// A test of the orders stack: what it creates, how the parts point at each
// other, and its outputs. In a real test, t is the test's *testing.T.
func Example() {
	t := exampleT{}
	tpl := assertions.Synth(t, ordersProgram, assertions.Options{
		Project: "shop",
		Config:  map[string]string{"aws:region": "eu-west-1", "shop:memoryMB": "512"},
	})

	// Counts and partial matches: only the keys named are checked.
	tpl.ResourceCountIs("aws:lambda/alias:Alias", 1)
	tpl.HasResourceProperties("aws:lambda/function:Function", assertions.M{
		"memorySize":    512,
		"architectures": assertions.ArrayWith("arm64"),
		"tracingConfig": assertions.M{"mode": "Active"},
	})
	tpl.HasResourceProperties("aws:sqs/queue:Queue", assertions.M{
		"messageRetentionSeconds": 86400,
		"fifoQueue":               assertions.Absent(),
	})

	// References: the function reads the table's name, and its grant is
	// scoped to the table's ARN.
	table := tpl.Resource("aws:dynamodb/table:Table", "orders")
	fn := tpl.Resource("aws:lambda/function:Function", "orders")
	role := tpl.Resource("aws:iam/role:Role", "orders")
	fn.HasProperties(assertions.M{"environment": assertions.M{"variables": assertions.M{"TABLE_NAME": table.Attr("name")}}})
	tpl.HasResourceProperties("aws:iam/rolePolicy:RolePolicy", assertions.M{
		"role": role.Attr("name"),
		"policy": assertions.SerializedJSON(assertions.M{
			"Statement": assertions.ArrayWith(assertions.M{"Resource": assertions.ArrayWith(table.Attr("arn"))}),
		}),
	})

	// Outputs exported with ctx.Export.
	alias := tpl.Resource("aws:lambda/alias:Alias", "orders")
	tpl.HasOutput("ordersArn", alias.Attr("arn"))
	fmt.Println(tpl.Output("queueUrl"))
	fmt.Println(alias.Input("functionName"))
	// Output:
	// https://sqs.eu-west-1.amazonaws.com/123456789012/jobs-3b5c73b
	// orders-a9f4596
}

// A failing match names each candidate and the path where it differs.
func ExampleTemplate_HasResourceProperties() {
	tpl := assertions.Synth(exampleT{}, ordersProgram, assertions.Options{Config: map[string]string{"aws:region": "eu-west-1"}})
	tpl.HasResourceProperties("aws:lambda/function:Function", assertions.M{
		"memorySize": 1024,
		"timeout":    assertions.Absent(),
	})
	// Output:
	// FAIL HasResourceProperties(aws:lambda/function:Function): none of 1 matches; want inputs like {"memorySize": 1024, "timeout": absent}
	//   orders:
	//     inputs.memorySize: got 256; want 1024
	//     inputs.timeout: got 10; want absent
}
