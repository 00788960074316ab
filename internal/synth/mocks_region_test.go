package synth

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sqs"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// One program driving two regions through explicit providers gets each
// resource's ARNs, its getRegion answer and its Region in its provider's
// region, and the stack's region without a provider.
func TestMocksAnswerInTheProvidersRegion(t *testing.T) {
	dir := writeProject(t, map[string]string{
		"Pulumi.yaml":     "name: shop\nruntime: go\n",
		"Pulumi.dev.yaml": "config:\n  aws:region: eu-west-1\n",
	})
	res, err := Run(context.Background(), Request{Root: dir, Stack: "dev"}, func(ctx *pulumi.Context, _ map[string]string) (pulumi.Map, error) {
		us, err := aws.NewProvider(ctx, "us", &aws.ProviderArgs{Region: pulumi.String("us-east-1")})
		if err != nil {
			return nil, err
		}
		local, err := sqs.NewQueue(ctx, "local", nil)
		if err != nil {
			return nil, err
		}
		remote, err := sqs.NewQueue(ctx, "remote", nil, pulumi.Provider(us))
		if err != nil {
			return nil, err
		}
		region, err := aws.GetRegion(ctx, nil, pulumi.Provider(us))
		if err != nil {
			return nil, err
		}
		return pulumi.Map{"local": local.Arn, "remote": remote.Arn, "region": pulumi.String(region.Name)}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ output, prefix string }{
		{"local", "arn:aws:sqs:eu-west-1:"},
		{"remote", "arn:aws:sqs:us-east-1:"},
		{"region", "us-east-1"},
	} {
		if got, _ := res.Outputs[tc.output].(string); len(got) < len(tc.prefix) || got[:len(tc.prefix)] != tc.prefix {
			t.Errorf("output %s: got %q; want it to start with %q", tc.output, got, tc.prefix)
		}
	}
	for _, r := range res.Resources {
		want := map[string]string{"local": "eu-west-1", "remote": "us-east-1"}[r.Name]
		if r.Type == "aws:sqs/queue:Queue" && r.Region() != want {
			t.Errorf("%s Region(): got %q; want %q", r.Name, r.Region(), want)
		}
	}
	// The contract says the same: the stack's region at the top, and the
	// queue of the us-east-1 provider with its own.
	b, err := res.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Region    string `json:"region"`
		Resources []struct {
			Type, Name string
			Region     string `json:"region"`
		} `json:"resources"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Region != "eu-west-1" {
		t.Errorf("document region: got %q; want eu-west-1", doc.Region)
	}
	for _, r := range doc.Resources {
		want := map[string]string{"local": "", "remote": "us-east-1"}[r.Name]
		if r.Type == "aws:sqs/queue:Queue" && r.Region != want {
			t.Errorf("document %s region: got %q; want %q", r.Name, r.Region, want)
		}
	}
}

// A stack whose config sets no aws:region synthesizes in us-east-1, as the
// mocks assume, and the contract says so.
func TestDocumentRegionDefaultsToTheMocksRegion(t *testing.T) {
	dir := writeProject(t, map[string]string{
		"Pulumi.yaml":     "name: shop\nruntime: go\n",
		"Pulumi.dev.yaml": "config: {}\n",
	})
	res, err := Run(context.Background(), Request{Root: dir, Stack: "dev"}, func(ctx *pulumi.Context, _ map[string]string) (pulumi.Map, error) {
		_, err := sqs.NewQueue(ctx, "local", nil)
		return nil, err
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Region != defaultRegion {
		t.Errorf("Region: got %q; want %q", res.Region, defaultRegion)
	}
}
