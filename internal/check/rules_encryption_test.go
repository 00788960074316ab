package check

import (
	"fmt"
	"testing"
)

func TestEncryptionRules(t *testing.T) {
	ruleCase(t, "Kumo-EncryptionAtRest",
		func(t *testing.T) {
			var g graph
			for _, u := range []string{
				g.add(encSNSTopic, "events", map[string]any{"kmsMasterKeyId": "alias/aws/sns"}),
				g.add(encSNSTopic, "later", map[string]any{"kmsMasterKeyId": unknownValue}),
				g.add(encSQSQueue, "default", nil), // SSE-SQS by default
				g.add(encSQSQueue, "sse", map[string]any{"sqsManagedSseEnabled": true}),
				g.add(encSQSQueue, "kms", map[string]any{"sqsManagedSseEnabled": false, "kmsMasterKeyId": "alias/aws/sqs"}),
				g.add(typeKinesisStream, "stream", map[string]any{"encryptionType": "KMS", "kmsKeyId": "alias/aws/kinesis"}),
				g.add(typeFirehoseDeliveryStream, "put", map[string]any{"serverSideEncryption": map[string]any{"enabled": true}}),
				g.add(typeFirehoseDeliveryStream, "from-stream", map[string]any{"kinesisSourceConfiguration": map[string]any{"kinesisStreamArn": "arn:aws:kinesis:us-east-1:123456789012:stream/s"}}),
				g.add(typeOpenSearchDomain, "search", map[string]any{"encryptAtRest": map[string]any{"enabled": true}}),
				g.add(typeElasticsearchDomain, "legacy", map[string]any{"encryptAtRest": map[string]any{"enabled": unknownValue}}),
			} {
				g.passes(t, "Kumo-EncryptionAtRest", u)
			}
		},
		func(t *testing.T) {
			var g graph
			for _, u := range []string{
				g.add(encSNSTopic, "plain", nil),
				g.add(encSQSQueue, "off", map[string]any{"sqsManagedSseEnabled": false}),
				g.add(typeKinesisStream, "plain", nil),
				g.add(typeKinesisStream, "none", map[string]any{"encryptionType": "NONE"}),
				g.add(typeFirehoseDeliveryStream, "plain", map[string]any{"destination": "extended_s3"}),
				g.add(typeOpenSearchDomain, "plain", nil),
				g.add(typeElasticsearchDomain, "off", map[string]any{"encryptAtRest": map[string]any{"enabled": false}}),
			} {
				g.fires(t, "Kumo-EncryptionAtRest", u)
			}
		})

	ruleCase(t, "Kumo-TLSOnly",
		func(t *testing.T) {
			var g graph
			for _, u := range []string{
				g.add(typeOpenSearchDomain, "default", nil), // pulumi-aws enforces HTTPS by default
				g.add(typeOpenSearchDomain, "https", map[string]any{"domainEndpointOptions": map[string]any{"enforceHttps": true}}),
				g.add(typeElasticsearchDomain, "later", map[string]any{"domainEndpointOptions": map[string]any{"enforceHttps": unknownValue}}),
				g.add(encSNSSubscription, "hook", map[string]any{"protocol": "https", "endpoint": "https://example.com/hook", "topic": "arn:aws:sns:us-east-1:123456789012:t"}),
				g.add(encSNSSubscription, "queue", map[string]any{"protocol": "sqs", "endpoint": "arn:aws:sqs:us-east-1:123456789012:q", "topic": "arn:aws:sns:us-east-1:123456789012:t"}),
			} {
				g.passes(t, "Kumo-TLSOnly", u)
			}
		},
		func(t *testing.T) {
			var g graph
			g.fires(t, "Kumo-TLSOnly", g.add(typeOpenSearchDomain, "http", map[string]any{"domainEndpointOptions": map[string]any{"enforceHttps": false}}))
			g.fires(t, "Kumo-TLSOnly", g.add(typeElasticsearchDomain, "http", map[string]any{"domainEndpointOptions": map[string]any{"enforceHttps": false}}))
			g.fires(t, "Kumo-TLSOnly", g.add(encSNSSubscription, "hook", map[string]any{"protocol": "http", "endpoint": "http://example.com/hook", "topic": "arn:aws:sns:us-east-1:123456789012:t"}))
		})
}

// TestOddInputsDoNotPanic runs the IAM, Kinesis, Firehose, Glue,
// OpenSearch, CodeBuild and encryption rules over inputs of the wrong
// shapes: a rule must report or pass, never panic.
func TestOddInputsDoNotPanic(t *testing.T) {
	odd := []any{nil, true, 42.0, "", unknownValue, "not json", []any{1.0, nil, map[string]any{}}, map[string]any{"x": []any{}}}
	types := []string{typeIamRole, typeIamUser, typeIamGroup, typeIamPolicy, typeIamRolePolicy, typeIamUserPolicy, typeIamGroupPolicy,
		typeIamRolePolicyAttachment, typeIamUserPolicyAttachment, typeIamGroupPolicyAttachment, typeIamPolicyAttachment,
		typeIamRolePolicyAttachmentsExcl, typeIamUserPolicyAttachmentsExcl, typeIamGroupPolicyAttachmentsExc,
		typeKinesisStream, typeFirehoseDeliveryStream, typeGlueJob, typeGlueCrawler, typeGlueSecurityConfiguration,
		typeOpenSearchDomain, typeOpenSearchDomainPolicy, typeElasticsearchDomain, typeElasticsearchDomainPolicy,
		typeCodeBuildProject, encSNSTopic, encSQSQueue, encSNSSubscription}
	props := []string{"name", "role", "user", "group", "roleName", "policyArn", "policyArns", "managedPolicyArns", "inlinePolicies",
		"policy", "encryptionType", "kmsKeyId", "serverSideEncryption", "kinesisSourceConfiguration", "securityConfiguration",
		"encryptionConfiguration", "domainName", "accessPolicies", "vpcOptions", "clusterConfig", "encryptAtRest",
		"nodeToNodeEncryption", "logPublishingOptions", "domainEndpointOptions", "encryptionKey", "environment",
		"kmsMasterKeyId", "sqsManagedSseEnabled", "protocol"}
	for i, v := range odd {
		var g graph
		for _, typ := range types {
			in := map[string]any{}
			for _, p := range props {
				in[p] = v
			}
			g.add(typ, fmt.Sprintf("odd%d", i), in)
		}
		g.run(t) // panics fail the test
	}
}
