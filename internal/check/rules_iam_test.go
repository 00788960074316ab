package check

import (
	"testing"
)

// unknownValue is how synth renders a value it cannot know before deploy.
const unknownValue = "[unknown]"

// iamDoc is a policy document with the given statements (JSON objects).
func iamDoc(statements ...string) string {
	doc := `{"Version":"2012-10-17","Statement":[`
	for i, s := range statements {
		if i > 0 {
			doc += ","
		}
		doc += s
	}
	return doc + "]}"
}

const (
	awsLambdaBasic = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
	awsReadOnly    = "arn:aws:iam::aws:policy/ReadOnlyAccess"
	customerPolicy = "arn:aws:iam::123456789012:policy/app-read"
)

func TestIAMRules(t *testing.T) {
	ruleCase(t, "AwsSolutions-IAM4",
		func(t *testing.T) {
			var g graph
			role := g.add(typeIamRole, "fn", map[string]any{"managedPolicyArns": []any{customerPolicy}})
			att := g.add(typeIamRolePolicyAttachment, "fn-read", map[string]any{"role": g.physical(role, "name"), "policyArn": customerPolicy})
			user := g.add(typeIamUser, "ci", map[string]any{"name": "ci"})
			g.add(typeIamUserPolicyAttachment, "ci", map[string]any{"user": "ci", "policyArn": unknownValue})
			g.passes(t, "AwsSolutions-IAM4", role)
			g.passes(t, "AwsSolutions-IAM4", att)
			g.passes(t, "AwsSolutions-IAM4", user)
		},
		func(t *testing.T) {
			var g graph
			role := g.add(typeIamRole, "fn", map[string]any{"managedPolicyArns": []any{awsLambdaBasic, customerPolicy}})
			name := g.physical(role, "name")
			// Attachments to a role of this stack report on the role, by name
			// or by ARN, as cdk-nag reports on the role.
			att := g.add(typeIamRolePolicyAttachment, "fn-ro", map[string]any{"role": "arn:aws:iam::123456789012:role/" + name, "policyArn": awsReadOnly})
			excl := g.add(typeIamRolePolicyAttachmentsExcl, "fn", map[string]any{"roleName": name, "policyArns": []any{awsLambdaBasic}})
			g.fires(t, "AwsSolutions-IAM4", role, "Policy::"+awsLambdaBasic, "Policy::"+awsReadOnly)
			if n := len(g.findings(t, "AwsSolutions-IAM4", role)); n != 2 {
				t.Errorf("IAM4 on the role: %d findings; want 2 (one per managed policy, however often attached)", n)
			}
			g.passes(t, "AwsSolutions-IAM4", att)
			g.passes(t, "AwsSolutions-IAM4", excl)

			// An attachment to an identity kumo cannot find reports itself.
			ext := g.add(typeIamRolePolicyAttachment, "external", map[string]any{"role": "made-elsewhere", "policyArn": awsReadOnly})
			g.fires(t, "AwsSolutions-IAM4", ext, "Policy::"+awsReadOnly)
			group := g.add(typeIamGroup, "ops", map[string]any{"name": "ops"})
			g.add(typeIamGroupPolicyAttachment, "ops", map[string]any{"group": "ops", "policyArn": awsReadOnly})
			g.fires(t, "AwsSolutions-IAM4", group, "Policy::"+awsReadOnly)
			many := g.add(typeIamPolicyAttachment, "many", map[string]any{"roles": []any{name}, "policyArn": awsReadOnly})
			g.fires(t, "AwsSolutions-IAM4", many, "Policy::"+awsReadOnly)
		})

	ruleCase(t, "AwsSolutions-IAM5",
		func(t *testing.T) {
			var g graph
			role := g.add(typeIamRole, "fn", map[string]any{"inlinePolicies": []any{map[string]any{"name": "read",
				"policy": iamDoc(`{"Effect":"Allow","Action":"dynamodb:GetItem","Resource":"arn:aws:dynamodb:us-east-1:123456789012:table/t"}`)}}})
			rp := g.add(typeIamRolePolicy, "fn-read", map[string]any{"role": g.physical(role, "name"), "policy": iamDoc(
				`{"Effect":"Allow","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::b/key.json"]}`,
				// Deny statements, NotAction and NotResource are not read.
				`{"Effect":"Deny","Action":"s3:*","Resource":"*"}`,
				`{"Effect":"Allow","NotAction":"iam:*","NotResource":"arn:aws:iam::*:*"}`)})
			g.passes(t, "AwsSolutions-IAM5", role)
			g.passes(t, "AwsSolutions-IAM5", rp)
		},
		func(t *testing.T) {
			var g graph
			role := g.add(typeIamRole, "fn", nil)
			rp := g.add(typeIamRolePolicy, "fn-logs", map[string]any{"role": g.physical(role, "name"), "policy": iamDoc(
				`{"Effect":"Allow","Action":["xray:PutTraceSegments","s3:Get*"],"Resource":"*"}`,
				`{"Effect":"Allow","Action":"s3:GetObject","Resource":["arn:aws:s3:::b/*","*"]}`)})
			g.fires(t, "AwsSolutions-IAM5", rp, "Action::s3:Get*", "Resource::*", "Resource::arn:aws:s3:::b/*")
			if n := len(g.findings(t, "AwsSolutions-IAM5", rp)); n != 3 {
				t.Errorf("IAM5 on the policy: %d findings; want 3 (each wildcard once)", n)
			}
			inline := g.add(typeIamRole, "inline", map[string]any{"inlinePolicies": []any{map[string]any{"name": "all",
				"policy": iamDoc(`{"Effect":"Allow","Action":"*","Resource":"*"}`)}}})
			g.fires(t, "AwsSolutions-IAM5", inline, "Action::*", "Resource::*")
			managed := g.add(typeIamPolicy, "managed", map[string]any{"policy": iamDoc(`{"Effect":"Allow","Action":"sqs:*","Resource":"arn:aws:sqs:us-east-1:123456789012:q"}`)})
			g.fires(t, "AwsSolutions-IAM5", managed, "Action::sqs:*")
			user := g.add(typeIamUserPolicy, "ci", map[string]any{"user": "ci", "policy": unknownValue})
			g.fires(t, "AwsSolutions-IAM5", user, "Document::policy")
			group := g.add(typeIamGroupPolicy, "ops", map[string]any{"group": "ops", "policy": "not json"})
			g.fires(t, "AwsSolutions-IAM5", group, "Document::policy")
		})
}
