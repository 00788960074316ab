package constructs

import "github.com/pulumi/pulumi/sdk/v3/go/pulumi"

// GrantInvoke lets g invoke f through f's alias, and only through it: the
// statement's one resource is f's alias ARN, so g can call neither $LATEST
// nor a fixed version, and f's canary releases see every call g makes.
//
// It is how a fan-out dispatcher reaches its processors: the dispatcher
// takes a large batch and invokes each processor's alias (AliasArn, passed
// in its Environment) on a smaller one, asynchronously (InvocationType
// Event) so they run in parallel. That buys throughput and gives up
// ordering: the processors finish in any order, and an asynchronous
// invocation that keeps failing goes to the processor's own retries and
// DeadLetterQueue, not back to the dispatcher.
func (f *Function) GrantInvoke(g Grantee) error {
	return g.addToRolePolicy("function-"+f.name+"-invoke", Statement{
		Sid:       "InvokeAlias",
		Actions:   []string{"lambda:InvokeFunction"},
		Resources: []pulumi.StringInput{f.AliasArn},
	})
}
