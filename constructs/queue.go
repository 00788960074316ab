package constructs

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sqs"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// queueTLSOnly attaches the TLS-only resource policy every kumo queue carries.
func queueTLSOnly(ctx *pulumi.Context, name string, q *sqs.Queue, opts ...pulumi.ResourceOption) error {
	_, err := sqs.NewQueuePolicy(ctx, name, &sqs.QueuePolicyArgs{
		QueueUrl: q.Url,
		Policy:   policyJSON(tlsOnlyStatement("sqs", q.Arn)),
	}, opts...)
	return err
}
