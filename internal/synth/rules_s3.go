package synth

import (
	"encoding/json"
	"fmt"
	"net"
	"regexp"
	"slices"
	"strings"

	"github.com/kumo-iac/kumo/internal/s3notify"
)

// Sources of the S3 rules.
const (
	srcS3BucketNaming   = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html"
	srcS3OwnershipRule  = "https://docs.aws.amazon.com/AmazonS3/latest/API/API_OwnershipControlsRule.html"
	srcS3Versioning     = "https://docs.aws.amazon.com/AmazonS3/latest/API/API_VersioningConfiguration.html"
	srcS3SSEDefault     = "https://docs.aws.amazon.com/AmazonS3/latest/API/API_ServerSideEncryptionByDefault.html"
	srcS3LifecycleRule  = "https://docs.aws.amazon.com/AmazonS3/latest/API/API_LifecycleRule.html"
	srcS3LifecycleExp   = "https://docs.aws.amazon.com/AmazonS3/latest/API/API_LifecycleExpiration.html"
	srcS3NoncurrentExp  = "https://docs.aws.amazon.com/AmazonS3/latest/API/API_NoncurrentVersionExpiration.html"
	srcS3LoggingEnabled = "https://docs.aws.amazon.com/AmazonS3/latest/API/API_LoggingEnabled.html"
	srcS3ObjectKeys     = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html"
	srcS3Errors         = "https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html"
	srcS3PutPolicy      = "https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketPolicy.html"
	srcS3PutPAB         = "https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutPublicAccessBlock.html"
	srcS3PutObject      = "https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html"
	// pulumi-aws autonames a bucket with AutoNameTransform("bucket", 63,
	// strings.ToLower): the resource name, "-", 7 random characters,
	// lowercased.
	srcProviderBucketName = "pulumi-aws provider/resources.go aws_s3_bucket bucket AutoNameTransform(\"bucket\", 63, strings.ToLower)"
	// terraform-provider-aws internal/service/s3/bucket_versioning.go
	// accepts Disabled too, only when the resource is created.
	srcTFS3Versioning = "terraform-provider-aws internal/service/s3/bucket_versioning.go (status Enabled, Suspended or Disabled); " + srcS3Versioning
	srcTFS3Policy     = "terraform-provider-aws internal/service/s3/bucket_policy.go policy validation.StringIsJSON; " + srcS3PutPolicy
)

// s3BucketName is the shape of a general purpose bucket name: "between 3
// (min) and 63 (max) characters long … only of lowercase letters, numbers,
// dots (.), and hyphens (-) … must begin and end with a letter or number".
var s3BucketName = StringRule{Pattern: regexp.MustCompile(`^[a-z0-9][a-z0-9.-]*[a-z0-9]$`), Min: 3, Max: 63,
	Desc: "a bucket name is 3–63 lowercase letters, digits, '.' or '-', beginning and ending with a letter or digit", Source: srcS3BucketNaming}

// The naming rules' reserved prefixes and suffixes.
var (
	s3ReservedPrefixes = []string{"xn--", "sthree-", "amzn-s3-demo-"}
	s3ReservedSuffixes = []string{"-s3alias", "--ol-s3", ".mrap", "--x-s3"}
)

var s3Specs = map[string]Spec{
	"aws:s3/bucketV2:BucketV2": {
		Names: []Name{{Prop: "bucket", PrefixProp: "bucketPrefix",
			Auto: &Autoname{Max: 63, Sep: "-", Lower: true, Source: srcProviderBucketName},
			Rule: s3BucketName}},
		Checks: []Check{{
			Rule:   "a bucket name has no two adjacent periods, is not an IP address, does not start with xn--, sthree- or amzn-s3-demo- and does not end with -s3alias, --ol-s3, .mrap or --x-s3",
			Source: srcS3BucketNaming,
			Find: func(r *Resource, _ *Stack) []Finding {
				n := r.Physical("bucket")
				if n == "" || isPlaceholder(n) {
					return nil
				}
				bad := strings.Contains(n, "..") || net.ParseIP(n) != nil
				for _, p := range s3ReservedPrefixes {
					bad = bad || strings.HasPrefix(n, p)
				}
				for _, sfx := range s3ReservedSuffixes {
					bad = bad || strings.HasSuffix(n, sfx)
				}
				if bad {
					return []Finding{{Property: "bucket", Value: n}}
				}
				return nil
			},
		}},
	},

	"aws:s3/bucketPolicy:BucketPolicy": {
		Checks: []Check{
			required(srcS3PutPolicy, "bucket", "policy"),
			{Rule: "the policy must be JSON", Source: srcTFS3Policy,
				Find: func(r *Resource, _ *Stack) []Finding {
					if p, ok := r.String("policy"); ok && !json.Valid([]byte(p)) {
						return []Finding{{Property: "policy", Value: p}}
					}
					return nil
				}},
			afterBucket("bucket"),
		},
	},

	"aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": {
		Checks: []Check{required(srcS3PutPAB, "bucket"), afterBucket("bucket")},
	},

	"aws:s3/bucketOwnershipControls:BucketOwnershipControls": {
		Checks: []Check{
			required(srcS3OwnershipRule, "bucket", "rule.objectOwnership"),
			oneOf(srcS3OwnershipRule, "rule.objectOwnership", "BucketOwnerPreferred", "ObjectWriter", "BucketOwnerEnforced"),
			afterBucket("bucket"),
		},
	},

	"aws:s3/bucketVersioningV2:BucketVersioningV2": {
		Checks: []Check{
			required(srcS3Versioning, "bucket", "versioningConfiguration.status"),
			oneOf(srcTFS3Versioning, "versioningConfiguration.status", "Enabled", "Suspended", "Disabled"),
			oneOf(srcS3Versioning, "versioningConfiguration.mfaDelete", "Enabled", "Disabled"),
			afterBucket("bucket"),
		},
	},

	"aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2": {
		Checks: []Check{
			required(srcS3SSEDefault, "bucket", "rules"),
			oneOf(srcS3SSEDefault, "rules[].applyServerSideEncryptionByDefault.sseAlgorithm", "AES256", "aws:kms", "aws:kms:dsse", "aws:fsx"),
			{Rule: "kmsMasterKeyId can only be set when sseAlgorithm is aws:kms or aws:kms:dsse", Source: srcS3SSEDefault,
				Find: func(r *Resource, _ *Stack) []Finding {
					var fs []Finding
					for _, v := range values(r, "rules[].applyServerSideEncryptionByDefault") {
						m, _ := v.(map[string]any)
						alg, _ := m["sseAlgorithm"].(string)
						if key, set := m["kmsMasterKeyId"]; set && key != nil && key != "" && alg != "aws:kms" && alg != "aws:kms:dsse" && !isPlaceholder(alg) {
							fs = append(fs, Finding{Property: "rules[].applyServerSideEncryptionByDefault.kmsMasterKeyId", Value: alg})
						}
					}
					return fs
				}},
			afterBucket("bucket"),
		},
	},

	"aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2": {
		Checks: []Check{
			required(srcS3LifecycleRule, "bucket", "rules"),
			oneOf(srcS3LifecycleRule, "rules[].status", "Enabled", "Disabled"),
			matches("rules[].id", StringRule{Max: 255, Desc: "a rule ID is at most 255 characters", Source: srcS3LifecycleRule}),
			// "The value must be a non-zero positive integer."
			intRange(srcS3LifecycleExp, "rules[].expiration.days", 1, 1<<31-1),
			intRange(srcS3NoncurrentExp, "rules[].noncurrentVersionExpiration.noncurrentDays", 1, 1<<31-1),
			afterBucket("bucket"),
		},
	},

	"aws:s3/bucketLoggingV2:BucketLoggingV2": {
		Checks: []Check{
			required(srcS3LoggingEnabled, "bucket", "targetBucket", "targetPrefix"),
			afterBucket("bucket"),
			// PutBucketLogging checks the target: "InvalidTargetBucketForLogging:
			// The target bucket for logging does not exist …".
			afterBucketWithSource("targetBucket", srcS3Errors+" (InvalidTargetBucketForLogging)"),
		},
	},

	"aws:s3/bucketObjectv2:BucketObjectv2": {
		// The provider defaults key to the resource name (pulumi-aws
		// provider/resources.go aws_s3_object key FromName).
		Checks: []Check{
			required(srcS3PutObject, "bucket"),
			{Rule: "an object key is at most 1,024 bytes of UTF-8", Source: srcS3ObjectKeys,
				Find: func(r *Resource, _ *Stack) []Finding {
					if k, ok := r.String("key"); ok && len(k) > 1024 {
						return []Finding{{Property: "key", Value: fmt.Sprintf("%d bytes", len(k))}}
					}
					return nil
				}},
			afterBucket("bucket"),
		},
	},
}

// bucketsNamed returns the BucketV2s of the stack whose bucket name is name.
func bucketsNamed(s *Stack, name string) []*Resource {
	return s.named("aws:s3/bucketV2:BucketV2", "bucket", name)
}

// afterBucket: a bucket subresource needs its bucket to exist ("NoSuchBucket:
// The specified bucket does not exist"): when this stack creates the bucket,
// the subresource must be ordered after it.
func afterBucket(prop string) Check {
	return afterBucketWithSource(prop, srcS3Errors+" (NoSuchBucket)")
}

func afterBucketWithSource(prop, source string) Check {
	return Check{
		Rule:   fmt.Sprintf("the bucket named by %s must exist first: order this after the BucketV2 that creates it", prop),
		Source: source,
		Find: func(r *Resource, s *Stack) []Finding {
			name, ok := r.String(prop)
			if !ok {
				return nil
			}
			return afterAny(r, s, bucketsNamed(s, name), prop, name)
		},
	}
}

// Sources of the bucket notification rules.
const (
	srcS3PutNotification = "https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketNotificationConfiguration.html"
	// "S3 Buckets only support a single notification configuration
	// resource. Declaring multiple aws.s3.BucketNotification resources to
	// the same S3 Bucket will cause a perpetual difference in
	// configuration. This resource will overwrite any existing event
	// notifications configured for the S3 bucket it's associated with."
	srcProviderBucketNotification = "pulumi-aws sdk s3/bucketNotification.go (a single notification configuration per bucket); " + srcS3PutNotification
	// S3 checks each destination when the configuration is put: a Lambda
	// destination without a permission for s3.amazonaws.com fails with
	// "InvalidArgument: Unable to validate the following destination
	// configurations" (hashicorp/terraform#19756, aws/aws-cdk#18090).
	srcS3NotificationPermission = srcS3PutNotification + "; https://docs.aws.amazon.com/AmazonS3/latest/userguide/grant-destinations-permissions-to-s3.html (Unable to validate the following destination configurations)"
)

// Sources of the topic and queue destination rules.
const (
	// "To grant Amazon S3 permissions to publish messages to the SNS topic
	// or SQS queue, attach an … IAM policy to the destination SNS topic or
	// SQS queue"; S3 tests the destination when the configuration is put,
	// and fails with "Unable to validate the following destination
	// configurations" when the policy is missing or comes later
	// (https://repost.aws/knowledge-center/unable-validate-destination-s3;
	// serverless/serverless#4797, aws/aws-cdk#584, pulumi/pulumi-aws#1895).
	srcS3DestinationPolicy = srcS3PutNotification + "; https://docs.aws.amazon.com/AmazonS3/latest/userguide/grant-destinations-permissions-to-s3.html; https://repost.aws/knowledge-center/unable-validate-destination-s3 (Unable to validate the following destination configurations); serverless/serverless#4797, aws/aws-cdk#584, pulumi/pulumi-aws#1895"
	// "Currently, Standard SNS is only allowed as an S3 event notification
	// destination, whereas SNS FIFO is not allowed", and likewise SQS FIFO.
	srcS3Destinations = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-how-to-event-types-and-destinations.html (supported event destinations)"
)

const tBucketNotification = "aws:s3/bucketNotification:BucketNotification"

// notificationKinds are a notification's destination lists and the input
// holding each destination's ARN.
var notificationKinds = []struct{ list, arn string }{
	{"lambdaFunctions", "lambdaFunctionArn"},
	{"queues", "queueArn"},
	{"topics", "topicArn"},
}

var s3NotificationSpecs = map[string]Spec{
	tBucketNotification: {
		Checks: append([]Check{
			required(srcS3PutNotification, "bucket"),
			afterBucket("bucket"),
			{Rule: "each destination names its ARN and at least one event", Source: s3notify.SourceEventTypes,
				Find: func(r *Resource, _ *Stack) []Finding {
					var fs []Finding
					for _, k := range notificationKinds {
						for i, d := range listInput(r, k.list) {
							if v, ok := Field(d, k.arn); !ok || v == "" {
								fs = append(fs, Finding{Property: fmt.Sprintf("%s[%d].%s", k.list, i, k.arn)})
							}
							if v, _ := Field(d, "events"); len(asList(v)) == 0 {
								fs = append(fs, Finding{Property: fmt.Sprintf("%s[%d].events", k.list, i)})
							}
						}
					}
					return fs
				}},
			{Rule: "a bucket has one notification configuration: a second aws:s3/bucketNotification for the same bucket silently replaces the first on every deploy; put every destination in one",
				Source: srcProviderBucketNotification,
				Find: func(r *Resource, s *Stack) []Finding {
					b, ok := r.String("bucket")
					if !ok {
						return nil
					}
					same := s.index("bucket", tBucketNotification, func(x *Resource) (string, bool) { return x.String("bucket") })[b]
					if len(same) > 1 {
						return []Finding{{Property: "bucket", Value: fmt.Sprintf("%s (also %s)", b, other(same, r).URN)}}
					}
					return nil
				}},
			{Rule: "two destinations may not share an event type when their prefixes overlap and their suffixes overlap (\"Configuration is ambiguously defined\")",
				Source: s3notify.SourceOverlap,
				Find: func(r *Resource, _ *Stack) []Finding {
					type entry struct {
						at             string
						events         []string
						prefix, suffix string
					}
					var es []entry
					for _, k := range notificationKinds {
						for i, d := range listInput(r, k.list) {
							e := entry{at: fmt.Sprintf("%s[%d]", k.list, i)}
							ev, _ := Field(d, "events")
							for _, x := range asList(ev) {
								if s, ok := x.(string); ok {
									e.events = append(e.events, s)
								}
							}
							p, _ := Field(d, "filterPrefix")
							sf, _ := Field(d, "filterSuffix")
							e.prefix, _ = p.(string)
							e.suffix, _ = sf.(string)
							if isPlaceholder(e.prefix) || isPlaceholder(e.suffix) {
								continue
							}
							es = append(es, e)
						}
					}
					var fs []Finding
					for j := range es {
						for i := range j {
							a, b := es[i], es[j]
							if ev, ok := s3notify.SharedEvent(a.events, b.events); ok && s3notify.FiltersOverlap(a.prefix, a.suffix, b.prefix, b.suffix) {
								fs = append(fs, Finding{Property: b.at, Value: fmt.Sprintf("%s with prefix %q and suffix %q overlaps %s (prefix %q, suffix %q)", ev, b.prefix, b.suffix, a.at, a.prefix, a.suffix)})
							}
						}
					}
					return fs
				}},
			notificationAfterPermissions(),
			notificationAfterPolicies("topics", "topicArn", "sns:Publish", topicPoliciesFor),
			notificationAfterPolicies("queues", "queueArn", "sqs:SendMessage", queuePoliciesFor),
			{Rule: "a destination is a standard topic or a standard queue: S3 refuses FIFO topics and FIFO queues",
				Source: srcS3Destinations,
				Find: func(r *Resource, _ *Stack) []Finding {
					var fs []Finding
					for _, k := range []struct{ list, arn string }{{"topics", "topicArn"}, {"queues", "queueArn"}} {
						for i, d := range listInput(r, k.list) {
							if v, _ := Field(d, k.arn); isString(v) && strings.HasSuffix(v.(string), ".fifo") {
								fs = append(fs, Finding{Property: fmt.Sprintf("%s[%d].%s", k.list, i, k.arn), Value: v})
							}
						}
					}
					return fs
				}},
		}, notificationFieldChecks()...),
	},
}

// notificationFieldChecks are the per-destination value rules: known event
// types and filter lengths.
func notificationFieldChecks() []Check {
	var cs []Check
	for _, k := range notificationKinds {
		cs = append(cs,
			oneOf(s3notify.SourceEventTypes, k.list+"[].events[]", s3notify.EventTypes...),
			matches(k.list+"[].filterPrefix", StringRule{Max: s3notify.MaxFilterLength, Desc: "a filter prefix is at most 1024 characters", Source: s3notify.SourceFilterRule}),
			matches(k.list+"[].filterSuffix", StringRule{Max: s3notify.MaxFilterLength, Desc: "a filter suffix is at most 1024 characters", Source: s3notify.SourceFilterRule}),
		)
	}
	return cs
}

// notificationAfterPermissions: each Lambda destination needs a permission
// letting s3.amazonaws.com invoke that function (and qualifier) from this
// bucket before the configuration is put. It is required when the stack
// creates the permission or the function; a function of another stack may
// have its permission there.
func notificationAfterPermissions() Check {
	return Check{
		Rule:   "S3 validates each Lambda destination when the configuration is put: order the notification after the lambda permission that lets s3.amazonaws.com invoke that function (and alias) from this bucket",
		Source: srcS3NotificationPermission,
		Find: func(r *Resource, s *Stack) []Finding {
			bucket, ok := r.String("bucket")
			if !ok {
				return nil
			}
			var fs []Finding
			for i, d := range listInput(r, "lambdaFunctions") {
				v, _ := Field(d, "lambdaFunctionArn")
				arn, ok := v.(string)
				if !ok || isPlaceholder(arn) {
					continue
				}
				name, q := lambdaFunctionName(arn), lambdaQualifier(arn)
				perms := s3Permissions(s, name, q, bucket)
				if len(perms) == 0 && len(s.named("aws:lambda/function:Function", "name", name)) == 0 {
					continue
				}
				if !slices.ContainsFunc(perms, func(p *Resource) bool { return s.DependsOn(r, p) }) {
					fs = append(fs, Finding{Property: fmt.Sprintf("lambdaFunctions[%d].lambdaFunctionArn", i), Value: arn})
				}
			}
			return fs
		},
	}
}

// s3Permissions are the lambda permissions of the stack letting S3 invoke
// function name with qualifier q ("" for none) from bucket: principal
// s3.amazonaws.com, action lambda:InvokeFunction (or a wildcard), and a
// sourceArn that is the bucket's or unset.
func s3Permissions(s *Stack, name, q, bucket string) []*Resource {
	byFunction := s.index("s3 invoke permission by function", "aws:lambda/permission:Permission", func(p *Resource) (string, bool) {
		principal, _ := p.String("principal")
		action, _ := p.String("action")
		fn, ok := p.String("function")
		invoke := action == "lambda:InvokeFunction" || action == "lambda:*" || action == "*"
		return lambdaFunctionName(fn), ok && invoke && principal == "s3.amazonaws.com"
	})
	var out []*Resource
	for _, p := range byFunction[name] {
		fn, _ := p.String("function")
		pq, set := p.String("qualifier")
		if !set {
			pq = lambdaQualifier(fn)
		}
		if src, ok := p.String("sourceArn"); pq == q && (!ok || src == "arn:aws:s3:::"+bucket) {
			out = append(out, p)
		}
	}
	return out
}

// listInput returns the list input at prop, nil when unset.
func listInput(r *Resource, prop string) []any {
	v, _ := r.Value(prop)
	return asList(v)
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

// notificationAfterPolicies: each topic (queue) destination needs a policy
// of the topic (queue) letting s3.amazonaws.com publish (send) before the
// configuration is put. It is required when the stack creates the topic
// (queue) or a policy for it; one of another stack may have its policy
// there.
func notificationAfterPolicies(list, arnProp, action string, policiesFor func(s *Stack, arn string) (stacked bool, policies []*Resource)) Check {
	return Check{
		Rule: fmt.Sprintf("S3 validates each destination when the configuration is put: order the notification after a policy of the %s letting s3.amazonaws.com %s",
			strings.TrimSuffix(list, "s"), action),
		Source: srcS3DestinationPolicy,
		Find: func(r *Resource, s *Stack) []Finding {
			var fs []Finding
			for i, d := range listInput(r, list) {
				v, _ := Field(d, arnProp)
				arn, ok := v.(string)
				if !ok || isPlaceholder(arn) {
					continue
				}
				stacked, policies := policiesFor(s, arn)
				if !stacked && len(policies) == 0 {
					continue
				}
				if !slices.ContainsFunc(policies, func(p *Resource) bool {
					doc, known := p.String("policy")
					return (!known || resourcePolicyAllows(doc, "s3.amazonaws.com", action)) && s.DependsOn(r, p)
				}) {
					fs = append(fs, Finding{Property: fmt.Sprintf("%s[%d].%s", list, i, arnProp), Value: arn})
				}
			}
			return fs
		},
	}
}

// topicPoliciesFor returns whether the stack creates the topic arn, and
// its topic policies (the topic itself, for an inline policy).
func topicPoliciesFor(s *Stack, arn string) (bool, []*Resource) {
	name := arn[strings.LastIndex(arn, ":")+1:]
	topics := s.named("aws:sns/topic:Topic", "name", name)
	policies := s.index("arn", "aws:sns/topicPolicy:TopicPolicy", func(p *Resource) (string, bool) { return p.String("arn") })[arn]
	for _, t := range topics {
		if _, inline := t.Value("policy"); inline {
			policies = append(policies, t)
		}
	}
	return len(topics) > 0, policies
}

// queuePoliciesFor returns whether the stack creates the queue arn, and
// its queue policies (the queue itself, for an inline policy).
func queuePoliciesFor(s *Stack, arn string) (bool, []*Resource) {
	name := sqsArnName(arn)
	if name == "" {
		return false, nil
	}
	queues := s.named(tSQSQueue, "name", name)
	policies := s.index("queueUrl name", tQueuePolicy, func(p *Resource) (string, bool) {
		u, ok := p.String("queueUrl")
		return queueURLName(u), ok
	})[name]
	for _, q := range queues {
		if _, inline := q.Value("policy"); inline {
			policies = append(policies, q)
		}
	}
	return len(queues) > 0, policies
}

// resourcePolicyAllows reports whether a resource policy has an Allow
// statement naming the service principal (or any principal) with an
// action covering action.
func resourcePolicyAllows(doc, service, action string) bool {
	sts, err := rpStatements(doc)
	if err != nil {
		return false
	}
	return slices.ContainsFunc(sts, func(st rpStatement) bool {
		return st.Effect == "Allow" && (st.names(service) || slices.Contains(st.principals("AWS"), "*")) && st.allows(action)
	})
}

func isString(v any) bool { _, ok := v.(string); return ok }
