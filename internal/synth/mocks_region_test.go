package synth

import (
	"context"
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
}
