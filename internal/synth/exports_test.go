package synth

import (
	"context"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sqs"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// TestExportsOfFollowsTheSDK: a program that exports with ctx.Export, as
// under pulumi.Run, has its outputs recorded; a Pulumi SDK that moved its
// exports would fail here instead of synth losing them.
func TestExportsOfFollowsTheSDK(t *testing.T) {
	dir := demoProject(t)
	res, err := Run(context.Background(), Request{Root: dir, Stack: "dev"}, FuncProgram(func(ctx *pulumi.Context) error {
		q, err := sqs.NewQueue(ctx, "jobs", nil)
		if err != nil {
			return err
		}
		ctx.Export("queueUrl", q.Url)
		ctx.Export("answer", pulumi.Int(42))
		return nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Outputs["answer"]; got != int64(42) {
		t.Errorf("answer = %#v; want 42", got)
	}
	if got, _ := res.Outputs["queueUrl"].(string); got == "" || got[:len("https://sqs.eu-west-1.amazonaws.com/")] != "https://sqs.eu-west-1.amazonaws.com/" {
		t.Errorf("queueUrl = %#v; want the mock queue URL", res.Outputs["queueUrl"])
	}
}

// TestParsedResultRendersItsOwnBytes: a result read from a program's
// document renders exactly the contract it was read from.
func TestParsedResultRendersItsOwnBytes(t *testing.T) {
	dir := demoProject(t)
	res, err := Run(context.Background(), Request{Root: dir, Stack: "dev"}, demoProgram)
	if err != nil {
		t.Fatal(err)
	}
	want, err := res.JSON()
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := ParseResult(want)
	if err != nil {
		t.Fatal(err)
	}
	rendered, err := parsed.JSON()
	if err != nil {
		t.Fatal(err)
	}
	parsed.contract = want
	kept, _ := parsed.JSON()
	if string(rendered) != string(want) || string(kept) != string(want) {
		t.Errorf("a parsed result renders other bytes than it was read from")
	}
}
