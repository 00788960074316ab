package constructs

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/hashicorp/go-multierror"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// KeyArgs configure a Key.
type KeyArgs struct {
	// Description is shown in the KMS console. Default: "Key <name> of
	// kumo stack <project>/<stack>."
	Description string
	// DeletionWindowDays is how long KMS waits before it deletes the key
	// once the stack no longer has it, 7–30; until then the deletion can be
	// cancelled. Default: 30.
	DeletionWindowDays int
	// ServicePrincipals are AWS services that may use the key through
	// their own integrations, each with only the actions that integration
	// needs: "logs.<region>.amazonaws.com" (log groups encrypted with the
	// key, in this account and region), "cloudtrail.amazonaws.com" (trails
	// of this account encrypting their log files), "sns.amazonaws.com"
	// (SNS delivering to queues of this account encrypted with the key),
	// and any other service, e.g. "cloudwatch.amazonaws.com",
	// "events.amazonaws.com" or "s3.amazonaws.com", publishing to SNS
	// topics of this account encrypted with the key. Default: none.
	ServicePrincipals []string
}

// Key is a customer managed KMS key with automatic rotation, the account's
// administration statement, and only the service uses it is given.
// Principals of the account use it through grants (GrantDecrypt,
// GrantEncryptDecrypt), which the administration statement lets IAM give.
type Key struct {
	pulumi.ResourceState

	name string
	args KeyArgs

	// Key is the underlying key, an escape hatch.
	Key *kms.Key
	// Alias names the key alias/<name>-<random> in the KMS console.
	Alias *kms.Alias
	// Arn is the key ARN grants are scoped to.
	Arn pulumi.StringOutput
	// KeyId is the key's ID.
	KeyId pulumi.StringOutput
}

// servicePrincipal is the shape of an AWS service principal.
var servicePrincipal = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]*\.amazonaws\.com(\.cn)?$`)

// keyLogicalName: the provider autonames the alias alias/<name>-<7 random>
// within 238 characters before the prefix, of the characters an alias
// allows (CreateAlias: [a-zA-Z0-9/_-]).
var keyLogicalName = regexp.MustCompile(`^[a-zA-Z0-9/_-]{1,230}$`)

func (a KeyArgs) withDefaults() KeyArgs {
	a.DeletionWindowDays = orDefault(a.DeletionWindowDays, DefaultKeyDeletionWindowDays)
	return a
}

func (a KeyArgs) validate(name string) *multierror.Error {
	var errs *multierror.Error
	if !keyLogicalName.MatchString(name) {
		errs = multierror.Append(errs, fmt.Errorf("name: %q must be 1–230 letters, digits, '/', '_' or '-' (the key's alias, alias/<name>-<7 random>, allows only these)", name))
	}
	if n := a.DeletionWindowDays; n < MinKeyDeletionWindowDays || n > MaxKeyDeletionWindowDays {
		errs = multierror.Append(errs, fmt.Errorf("DeletionWindowDays: %d is outside %d–%d, the waiting periods KMS allows", n, MinKeyDeletionWindowDays, MaxKeyDeletionWindowDays))
	}
	if n := len(a.Description); n > 8192 {
		errs = multierror.Append(errs, fmt.Errorf("Description: %d characters; KMS allows at most 8192", n))
	}
	seen := map[string]bool{}
	for i, p := range a.ServicePrincipals {
		switch {
		case !servicePrincipal.MatchString(p):
			errs = multierror.Append(errs, fmt.Errorf("ServicePrincipals[%d]: %q is not an AWS service principal; use the service's <name>.amazonaws.com, e.g. %q", i, p, DefaultTopicPublisher))
		case seen[p]:
			errs = multierror.Append(errs, fmt.Errorf("ServicePrincipals[%d]: %q is listed twice", i, p))
		}
		seen[p] = true
	}
	return errs
}

// NewKey registers a symmetric customer managed key with rotation on, and
// an alias for it.
func NewKey(ctx *pulumi.Context, name string, args *KeyArgs, opts ...pulumi.ResourceOption) (*Key, error) {
	if args == nil {
		args = &KeyArgs{}
	}
	a := args.withDefaults()
	a.ServicePrincipals = slices.Clone(a.ServicePrincipals)
	if err := invalid(fmt.Sprintf("key %q", name), a.validate(name)); err != nil {
		return nil, err
	}
	k := &Key{name: name, args: a}
	if err := ctx.RegisterComponentResource("kumo:constructs:Key", name, k, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(k)
	desc := pulumi.String(a.Description).ToStringOutput()
	if a.Description == "" {
		desc = pulumi.Sprintf("Key %s of kumo stack %s/%s.", name, ctx.Project(), ctx.Stack())
	}
	var err error
	if k.Key, err = kms.NewKey(ctx, name, &kms.KeyArgs{
		Description:           desc,
		KeyUsage:              pulumi.String("ENCRYPT_DECRYPT"),
		CustomerMasterKeySpec: pulumi.String("SYMMETRIC_DEFAULT"),
		EnableKeyRotation:     pulumi.Bool(true),
		DeletionWindowInDays:  pulumi.Int(a.DeletionWindowDays),
		Policy: pulumi.All(accountID(ctx), regionName(ctx)).ApplyT(func(v []any) (string, error) {
			return keyPolicy(v[0].(string), v[1].(string), a.ServicePrincipals)
		}).(pulumi.StringOutput),
	}, parent); err != nil {
		return nil, err
	}
	k.Arn, k.KeyId = k.Key.Arn, k.Key.KeyId
	if k.Alias, err = kms.NewAlias(ctx, name, &kms.AliasArgs{TargetKeyId: k.Key.KeyId}, parent); err != nil {
		return nil, err
	}
	if err := ctx.RegisterResourceOutputs(k, pulumi.Map{"arn": k.Arn, "keyId": k.KeyId, "alias": k.Alias.Name}); err != nil {
		return nil, err
	}
	return k, nil
}

// allows reports whether the key lets service use it.
func (k *Key) allows(service string) bool { return slices.Contains(k.args.ServicePrincipals, service) }

// AllowsLogs reports whether CloudWatch Logs of region (of any region when
// "") may encrypt log groups with the key, for constructs outside this
// package that encrypt their logs with a caller's Key.
func (k *Key) AllowsLogs(region string) bool {
	if region != "" {
		return k.allows("logs."+region+".amazonaws.com") || k.allows("logs."+region+".amazonaws.com.cn")
	}
	return slices.ContainsFunc(k.args.ServicePrincipals, func(p string) bool {
		return strings.HasPrefix(p, "logs.") && (strings.HasSuffix(p, ".amazonaws.com") || strings.HasSuffix(p, ".amazonaws.com.cn"))
	})
}

// keyPolicy renders the key policy. The first statement is KMS's default
// key policy for the account: it lets the account's IAM policies grant use
// of the key (so grants work) and lets the account administer it. Without
// it KMS refuses the policy (the lock-out safety check of CreateKey), and a
// key no principal may administer can only be recovered by AWS Support.
// https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html
func keyPolicy(account, region string, services []string) (string, error) {
	doc := policyDocument{Version: "2012-10-17", Statement: []statementJSON{{
		Sid:       "AccountAdministersKeyThroughIAM",
		Effect:    "Allow",
		Principal: map[string][]string{"AWS": {fmt.Sprintf("arn:aws:iam::%s:root", account)}},
		Action:    []string{"kms:*"},
		Resource:  []string{"*"}, // in a key policy, "*" is this key
	}}}
	for _, s := range services {
		doc.Statement = append(doc.Statement, serviceUse(s, account, region)...)
	}
	b, err := json.Marshal(doc)
	return string(b), err
}

// serviceUse is what one service principal may do with the key, under the
// conditions AWS documents for its integration.
func serviceUse(service, account, region string) []statementJSON {
	principal := map[string][]string{"Service": {service}}
	sid := keySid(service)
	switch {
	case strings.HasPrefix(service, "logs.") && strings.HasSuffix(service, ".amazonaws.com"):
		// CloudWatch Logs: log groups of this account and region only.
		// https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
		return []statementJSON{{Sid: sid, Effect: "Allow", Principal: principal,
			Action:    []string{"kms:Decrypt*", "kms:Describe*", "kms:Encrypt*", "kms:GenerateDataKey*", "kms:ReEncrypt*"},
			Resource:  []string{"*"},
			Condition: map[string]map[string][]string{"ArnLike": {"kms:EncryptionContext:aws:logs:arn": {fmt.Sprintf("arn:aws:logs:%s:%s:*", region, account)}}},
		}}
	case service == "cloudtrail.amazonaws.com":
		// CloudTrail: trails of this account encrypt log files and describe
		// the key. https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html
		trails := fmt.Sprintf("arn:aws:cloudtrail:%s:%s:trail/*", region, account)
		return []statementJSON{{Sid: sid + "Encrypt", Effect: "Allow", Principal: principal,
			Action:   []string{"kms:GenerateDataKey*"},
			Resource: []string{"*"},
			Condition: map[string]map[string][]string{
				"ArnLike":    {"aws:SourceArn": {trails}},
				"StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn": {fmt.Sprintf("arn:aws:cloudtrail:*:%s:trail/*", account)}},
			},
		}, {Sid: sid + "Describe", Effect: "Allow", Principal: principal,
			Action:    []string{"kms:DescribeKey"},
			Resource:  []string{"*"},
			Condition: map[string]map[string][]string{"ArnLike": {"aws:SourceArn": {trails}}},
		}}
	case service == "sns.amazonaws.com":
		// SNS delivering to SQS queues of this account encrypted with the
		// key (subscriptions, dead-letter queues): SQS's encryption context.
		// https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html
		return []statementJSON{{Sid: sid, Effect: "Allow", Principal: principal,
			Action:    []string{"kms:Decrypt", "kms:GenerateDataKey*"},
			Resource:  []string{"*"},
			Condition: map[string]map[string][]string{"ArnLike": {"kms:EncryptionContext:aws:sqs:arn": {fmt.Sprintf("arn:aws:sqs:%s:%s:*", region, account)}}},
		}}
	default:
		// An AWS service publishing to SNS topics of this account encrypted
		// with the key: a topic under the AWS managed key alias/aws/sns
		// cannot receive these, since its policy cannot be changed.
		// https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services
		return []statementJSON{{Sid: sid, Effect: "Allow", Principal: principal,
			Action:    []string{"kms:Decrypt", "kms:GenerateDataKey*"},
			Resource:  []string{"*"},
			Condition: map[string]map[string][]string{"ArnLike": {"kms:EncryptionContext:aws:sns:topicArn": {fmt.Sprintf("arn:aws:sns:%s:%s:*", region, account)}}},
		}}
	}
}

// keySid spells a statement ID for a service ("cloudwatch.amazonaws.com"
// becomes "ServiceCloudwatch").
func keySid(service string) string {
	var b strings.Builder
	b.WriteString("Service")
	for _, part := range strings.Split(strings.TrimSuffix(strings.TrimSuffix(service, ".cn"), ".amazonaws.com"), ".") {
		for _, w := range strings.Split(part, "-") {
			if w != "" {
				b.WriteString(strings.ToUpper(w[:1]) + w[1:])
			}
		}
	}
	return b.String()
}

var (
	keyDecryptActions        = []string{"kms:Decrypt"}
	keyEncryptDecryptActions = []string{"kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey",
		"kms:GenerateDataKeyWithoutPlaintext", "kms:ReEncryptFrom", "kms:ReEncryptTo"}
)

// GrantDecrypt lets g decrypt with the key.
func (k *Key) GrantDecrypt(g Grantee) error {
	return g.addToRolePolicy("key-"+k.name+"-decrypt", Statement{Sid: "KeyDecrypt", Actions: keyDecryptActions, Resources: []pulumi.StringInput{k.Arn}})
}

// GrantEncryptDecrypt lets g encrypt, decrypt and generate data keys with
// the key (each action named, none as a wildcard).
func (k *Key) GrantEncryptDecrypt(g Grantee) error {
	return g.addToRolePolicy("key-"+k.name+"-encryptdecrypt", Statement{Sid: "KeyEncryptDecrypt", Actions: keyEncryptDecryptActions, Resources: []pulumi.StringInput{k.Arn}})
}

// Validate reports every problem with the args, defaults applied, as the
// constructor would, without registering anything.
func (a KeyArgs) Validate(name string) error {
	return invalid(fmt.Sprintf("key %q", name), a.withDefaults().validate(name))
}

// accountID is the account the stack deploys to, as the provider sees it.
func accountID(ctx *pulumi.Context) pulumi.StringOutput {
	return aws.GetCallerIdentityOutput(ctx, aws.GetCallerIdentityOutputArgs{}).AccountId()
}

// regionName is the region the stack deploys to, as the provider sees it
// (aws:region, or the environment's when the stack sets none).
func regionName(ctx *pulumi.Context) pulumi.StringOutput {
	return aws.GetRegionOutput(ctx, aws.GetRegionOutputArgs{}).Name()
}
