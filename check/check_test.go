package check_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sqs"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/check"
	"github.com/kumo-iac/kumo/internal/synth"
)

// TestSuppressRecordsUnderSynth: suppressions, including ones whose finding
// is built from outputs or constants, reach the synth result on the exact
// resource; bad ones are refused together and record nothing.
func TestSuppressRecordsUnderSynth(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Pulumi.yaml"), []byte("name: app\nruntime: go\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var badErr error
	res, err := synth.Run(context.Background(), synth.Request{Root: dir, Project: "app", Stack: "dev", Config: map[string]string{"aws:region": "eu-west-1"}},
		synth.FuncProgram(func(ctx *pulumi.Context) error {
			q, err := sqs.NewQueue(ctx, "jobs", nil)
			if err != nil {
				return err
			}
			if err := check.Suppress(ctx, q,
				check.Suppression{Rule: "AwsSolutions-SQS3", Reason: "work the app can regenerate"},
				check.Suppression{Rule: "AwsSolutions-IAM5", FindingFrom: pulumi.String("Resource::*"), Reason: "a constant finding, joined to the queue"},
				check.Suppression{Rule: "AwsSolutions-IAM5", FindingFrom: pulumi.Sprintf("Resource::%s/*", q.Arn), Reason: "a finding built from the queue's ARN"},
				check.Suppression{Rule: "AwsSolutions-IAM5", FindingFrom: pulumi.String(""), Reason: "an empty finding records nothing"},
			); err != nil {
				return err
			}
			badErr = check.Suppress(ctx, q, check.Suppression{Rule: "AwsSolutions-SQS4", Reason: "short"}, check.Suppression{Reason: "no rule named here"})
			return nil
		}))
	if err != nil {
		t.Fatal(err)
	}
	if badErr == nil || !strings.Contains(badErr.Error(), `reason "short"`) || !strings.Contains(badErr.Error(), "names no rule") {
		t.Errorf("bad suppressions: %v; want both problems", badErr)
	}
	var got []string
	for _, r := range res.Resources {
		if r.Name == "jobs" {
			for _, a := range r.Annotations[check.AnnotationKey] {
				var rec string
				switch {
				case strings.Contains(a, `"AwsSolutions-SQS3"`):
					rec = "SQS3"
				case strings.Contains(a, `"Resource::*"`):
					rec = "IAM5 constant"
				case strings.Contains(a, `:jobs-`) && strings.Contains(a, `/*"`):
					rec = "IAM5 from ARN"
				default:
					rec = a
				}
				got = append(got, rec)
			}
		}
	}
	slices.Sort(got)
	if want := []string{"IAM5 constant", "IAM5 from ARN", "SQS3"}; !slices.Equal(got, want) {
		t.Errorf("recorded on jobs: %q; want %q (and nothing from the refused ones)", got, want)
	}
}

// TestSuppressOutsideSynth: under pulumi up nothing is recorded, and
// Suppress still validates.
func TestSuppressOutsideSynth(t *testing.T) {
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		q, err := sqs.NewQueue(ctx, "jobs", nil)
		if err != nil {
			return err
		}
		if err := check.Suppress(ctx, q, check.Suppression{Rule: "AwsSolutions-SQS3", Reason: "work the app can regenerate"}); err != nil {
			t.Errorf("valid suppression under pulumi up: %v", err)
		}
		if err := check.Suppress(ctx, nil, check.Suppression{Rule: "AwsSolutions-SQS3", Reason: "work the app can regenerate"}); err == nil {
			t.Error("a suppression of no resource was accepted")
		}
		return nil
	}, pulumi.WithMocks("p", "s", mocks{}))
	if err != nil {
		t.Fatal(err)
	}
}
