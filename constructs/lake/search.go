package lake

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/hashicorp/go-multierror"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/opensearch"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/check"
	"github.com/kumo-iac/kumo/constructs"
	"github.com/kumo-iac/kumo/internal/lazyregexp"
)

// SearchVPC places a SearchDomain's endpoint in subnets of a VPC.
type SearchVPC struct {
	// SubnetIds are the subnets, exactly one per Availability Zone the
	// domain spans: one, or two when InstanceCount is 2 or more. Required.
	SubnetIds []string
	// SecurityGroupIds guard the domain's network interfaces. Default: the
	// VPC's default security group.
	SecurityGroupIds []string
}

// SearchDomainArgs configure a SearchDomain. The zero value is a dev-sized
// domain: one t3.small node with 10 GB of gp3 storage.
type SearchDomainArgs struct {
	// DomainName is the domain's name, 3–28 lower-case letters, digits or
	// '-', starting with a letter, unique in the account and region.
	// Changing it replaces the domain. Default: derived from the construct
	// name and the stack, e.g. "catalog-dev-3f9a1c" (see SearchDomain).
	DomainName string
	// EngineVersion is "OpenSearch_X.Y". Default: "OpenSearch_2.17".
	EngineVersion string
	// InstanceType is the data node type, ending in ".search". Default:
	// "t3.small.search".
	InstanceType string
	// InstanceCount is the number of data nodes. From 2 on, zone awareness
	// spreads them over two Availability Zones, so the count must be even.
	// Default: 1.
	InstanceCount int
	// DedicatedMasterType adds dedicated master nodes of this type (ending
	// in ".search"), which production domains want. Default: none.
	DedicatedMasterType string
	// DedicatedMasterCount is the number of dedicated master nodes, 3 or 5.
	// Default: 3 when DedicatedMasterType is set.
	DedicatedMasterCount int
	// VolumeGB is each data node's gp3 volume, at least 10 (and at most 100
	// on t3.small.search, 200 on t3.medium.search). Default: 10.
	VolumeGB int
	// VPC puts the endpoint in subnets of a VPC. Default: nil, a public
	// endpoint that answers only SigV4-signed requests of the roles the
	// access policy names.
	VPC *SearchVPC
	// LogRetentionDays is the retention of the slow-search, slow-index and
	// application (error) log groups. Default: 30.
	LogRetentionDays int
	// KMSKeyArn encrypts data at rest with a customer managed key. Default:
	// the AWS managed key for OpenSearch (aws/es).
	KMSKeyArn pulumi.StringInput
}

// SearchDomain is an OpenSearch Service domain: encrypted at rest and
// between nodes, HTTPS only with TLS 1.2 or later, its slow-search,
// slow-index and error logs in CloudWatch Logs. Nobody can use it until a
// grant (GrantRead, GrantReadWrite or Grant) writes its access policy.
//
// OpenSearch does not name domains within its limits (pulumi-aws autonames
// them to 255 characters, CreateDomain accepts 28), so the construct names
// the domain itself: the construct name and the stack, lower-cased, every
// other character run turned into '-', cut to 21 characters, then '-' and
// six hex digits of a hash of project, stack and construct name. Two stacks,
// or two projects with a stack of the same name, in one account never
// share a domain, and the same program always gets the same name.
type SearchDomain struct {
	pulumi.ResourceState

	ctx  *pulumi.Context
	name string

	mu      sync.Mutex
	granted bool

	// Domain is the underlying resource, an escape hatch.
	Domain *opensearch.Domain
	// Policy is the domain's access policy, written by the one grant call;
	// nil before it.
	Policy *opensearch.DomainPolicy
	// LogResourcePolicy lets OpenSearch write to the log groups; the domain
	// is created after it.
	LogResourcePolicy *cloudwatch.LogResourcePolicy
	// SearchSlowLogs, IndexSlowLogs and ApplicationLogs receive the
	// domain's logs.
	SearchSlowLogs, IndexSlowLogs, ApplicationLogs *cloudwatch.LogGroup

	// Name is the domain name.
	Name pulumi.StringOutput
	// Arn is the domain ARN grants are scoped to.
	Arn pulumi.StringOutput
	// Endpoint is the https:// URL clients send requests to.
	Endpoint pulumi.StringOutput
}

// OpenSearch's name and value rules the construct checks before AWS does.
var (
	// CreateDomain DomainName: "Minimum length of 3. Maximum length of 28.
	// Pattern: [a-z][a-z0-9\-]+"
	// (https://docs.aws.amazon.com/opensearch-service/latest/APIReference/API_CreateDomain.html).
	searchDomainNamePattern = lazyregexp.New(`^[a-z][a-z0-9-]{2,27}$`)
	searchEnginePattern     = lazyregexp.New(`^OpenSearch_[0-9]{1,2}\.[0-9]{1,2}$`)
	searchInstancePattern   = lazyregexp.New(`^[a-z][a-z0-9]*\.[a-z0-9]+\.search$`)
	searchNameUnsafe        = lazyregexp.New(`[^a-z0-9]+`)
)

// searchVolumeMaxGB are the largest EBS volumes of the small instance types
// ("EBS volume size quotas",
// https://docs.aws.amazon.com/opensearch-service/latest/developerguide/limits.html#ebsresource).
var searchVolumeMaxGB = map[string]int{"t3.small.search": 100, "t3.medium.search": 200}

const (
	minSearchVolumeGB  = 10
	maxSearchDomainLen = 28
	searchNameHashLen  = 6
)

// searchDomainName derives a domain name: see SearchDomain.
func searchDomainName(project, stack, name string) string {
	sum := sha256.Sum256([]byte(project + "\x00" + stack + "\x00" + name))
	tag := hex.EncodeToString(sum[:])[:searchNameHashLen]
	base := strings.Trim(searchNameUnsafe().ReplaceAllString(strings.ToLower(name+"-"+stack), "-"), "-")
	if base == "" || base[0] < 'a' || base[0] > 'z' {
		base = "s-" + base
	}
	if max := maxSearchDomainLen - 1 - searchNameHashLen; len(base) > max {
		base = base[:max]
	}
	return strings.TrimRight(base, "-") + "-" + tag
}

func (a SearchDomainArgs) withDefaults(project, stack, name string) SearchDomainArgs {
	if a.DomainName == "" {
		a.DomainName = searchDomainName(project, stack, name)
	}
	a.EngineVersion = cmp.Or(a.EngineVersion, DefaultSearchEngineVersion)
	a.InstanceType = cmp.Or(a.InstanceType, DefaultSearchInstanceType)
	a.InstanceCount = cmp.Or(a.InstanceCount, DefaultSearchInstanceCount)
	if a.DedicatedMasterType != "" {
		a.DedicatedMasterCount = cmp.Or(a.DedicatedMasterCount, 3)
	}
	a.VolumeGB = cmp.Or(a.VolumeGB, DefaultSearchVolumeGB)
	a.LogRetentionDays = cmp.Or(a.LogRetentionDays, constructs.DefaultLogRetentionDays)
	return a
}

// zones is the number of Availability Zones the domain spans.
func (a SearchDomainArgs) zones() int {
	if a.InstanceCount >= 2 {
		return 2
	}
	return 1
}

func (a SearchDomainArgs) validate() *multierror.Error {
	var errs *multierror.Error
	add := func(format string, args ...any) { errs = multierror.Append(errs, fmt.Errorf(format, args...)) }
	if !searchDomainNamePattern().MatchString(a.DomainName) {
		add("DomainName: %q must be 3–28 lower-case letters, digits or '-', starting with a letter (leave it empty to derive one)", a.DomainName)
	}
	if !searchEnginePattern().MatchString(a.EngineVersion) {
		add("EngineVersion: %q is not an OpenSearch version; use \"OpenSearch_X.Y\", e.g. %q", a.EngineVersion, DefaultSearchEngineVersion)
	}
	if !searchInstancePattern().MatchString(a.InstanceType) {
		add("InstanceType: %q is not an OpenSearch instance type; use one ending in \".search\", e.g. %q", a.InstanceType, DefaultSearchInstanceType)
	}
	switch {
	case a.InstanceCount < 1:
		add("InstanceCount: %d must be at least 1", a.InstanceCount)
	case a.InstanceCount >= 2 && a.InstanceCount%2 != 0:
		add("InstanceCount: %d is odd; from 2 nodes on the domain spans two Availability Zones and needs an even count (use %d or %d)", a.InstanceCount, a.InstanceCount-1, a.InstanceCount+1)
	}
	if a.DedicatedMasterType == "" {
		if a.DedicatedMasterCount != 0 {
			add("DedicatedMasterCount: %d is set without DedicatedMasterType; set the master node type too", a.DedicatedMasterCount)
		}
	} else {
		if !searchInstancePattern().MatchString(a.DedicatedMasterType) {
			add("DedicatedMasterType: %q is not an OpenSearch instance type; use one ending in \".search\", e.g. \"m7g.large.search\"", a.DedicatedMasterType)
		}
		if a.DedicatedMasterCount != 3 && a.DedicatedMasterCount != 5 {
			add("DedicatedMasterCount: %d; use 3 or 5, so the masters keep a quorum when one fails", a.DedicatedMasterCount)
		}
	}
	if a.VolumeGB < minSearchVolumeGB {
		add("VolumeGB: %d is below %d, the smallest volume OpenSearch allows", a.VolumeGB, minSearchVolumeGB)
	} else if max, ok := searchVolumeMaxGB[a.InstanceType]; ok && a.VolumeGB > max {
		add("VolumeGB: %d is above %d, the largest volume of %s; use a larger InstanceType", a.VolumeGB, max, a.InstanceType)
	}
	if v := a.VPC; v != nil {
		if len(v.SubnetIds) != a.zones() {
			add("VPC.SubnetIds: %d subnets for a domain in %d Availability Zone(s) (InstanceCount %d); give exactly %d, one per zone", len(v.SubnetIds), a.zones(), a.InstanceCount, a.zones())
		}
		for i, s := range v.SubnetIds {
			if s == "" {
				add("VPC.SubnetIds[%d]: empty; give a subnet ID", i)
			}
		}
		for i, s := range v.SecurityGroupIds {
			if s == "" {
				add("VPC.SecurityGroupIds[%d]: empty; give a security group ID", i)
			}
		}
	}
	if err := core.ValidateLogRetention("LogRetentionDays", a.LogRetentionDays); err != nil {
		errs = multierror.Append(errs, err)
	}
	return errs
}

// Validate reports every problem with the args, defaults applied, as the
// constructor would, without registering anything. (A derived DomainName
// depends on the project and stack, but is valid whatever they are.)
func (a SearchDomainArgs) Validate(name string) error {
	return constructs.Invalid(fmt.Sprintf("search domain %q", name), a.withDefaults("", "", name).validate())
}

// NewSearchDomain registers an OpenSearch domain, its log groups and the
// CloudWatch Logs resource policy that lets it write to them.
func NewSearchDomain(ctx *pulumi.Context, name string, args *SearchDomainArgs, opts ...pulumi.ResourceOption) (*SearchDomain, error) {
	if args == nil {
		args = &SearchDomainArgs{}
	}
	a := args.withDefaults(ctx.Project(), ctx.Stack(), name)
	if err := constructs.Invalid(fmt.Sprintf("search domain %q", name), a.validate()); err != nil {
		return nil, err
	}
	d := &SearchDomain{ctx: ctx, name: name}
	if err := ctx.RegisterComponentResource("kumo:constructs:SearchDomain", name, d, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(d)

	logGroup := func(suffix string) (*cloudwatch.LogGroup, error) {
		return cloudwatch.NewLogGroup(ctx, name+"-"+suffix, &cloudwatch.LogGroupArgs{
			Name:            pulumi.Sprintf("/aws/opensearch/%s/%s", a.DomainName, suffix),
			RetentionInDays: pulumi.Int(a.LogRetentionDays),
		}, parent)
	}
	var err error
	if d.SearchSlowLogs, err = logGroup("search-slow"); err != nil {
		return nil, err
	}
	if d.IndexSlowLogs, err = logGroup("index-slow"); err != nil {
		return nil, err
	}
	if d.ApplicationLogs, err = logGroup("application"); err != nil {
		return nil, err
	}
	// CreateDomain with log publishing fails ("The Resource Access Policy
	// specified for the CloudWatch Logs log group … does not grant
	// sufficient permissions for Amazon OpenSearch Service to create a log
	// stream") unless this policy exists first, so the domain depends on it.
	// https://docs.aws.amazon.com/opensearch-service/latest/developerguide/createdomain-configure-slow-logs.html
	// It names only these log groups' streams. The account-level policies
	// are limited to 10 per region (PutResourcePolicy), one per domain.
	if d.LogResourcePolicy, err = cloudwatch.NewLogResourcePolicy(ctx, name, &cloudwatch.LogResourcePolicyArgs{
		PolicyName: pulumi.String("kumo-opensearch-" + a.DomainName),
		PolicyDocument: core.PolicyJSON(constructs.Statement{
			Sid:       "OpenSearchWritesDomainLogs",
			Principal: map[string][]string{"Service": {"es.amazonaws.com"}},
			Actions:   []string{"logs:CreateLogStream", "logs:PutLogEvents"},
			Resources: []pulumi.StringInput{core.Suffix(":*", d.SearchSlowLogs.Arn), core.Suffix(":*", d.IndexSlowLogs.Arn), core.Suffix(":*", d.ApplicationLogs.Arn)},
		}),
	}, parent); err != nil {
		return nil, err
	}

	cluster := &opensearch.DomainClusterConfigArgs{
		InstanceType:  pulumi.String(a.InstanceType),
		InstanceCount: pulumi.Int(a.InstanceCount),
	}
	if a.zones() > 1 {
		cluster.ZoneAwarenessEnabled = pulumi.Bool(true)
		cluster.ZoneAwarenessConfig = &opensearch.DomainClusterConfigZoneAwarenessConfigArgs{AvailabilityZoneCount: pulumi.Int(a.zones())}
	}
	if a.DedicatedMasterType != "" {
		cluster.DedicatedMasterEnabled = pulumi.Bool(true)
		cluster.DedicatedMasterType = pulumi.String(a.DedicatedMasterType)
		cluster.DedicatedMasterCount = pulumi.Int(a.DedicatedMasterCount)
	}
	encrypt := &opensearch.DomainEncryptAtRestArgs{Enabled: pulumi.Bool(true)}
	if a.KMSKeyArn != nil {
		encrypt.KmsKeyId = a.KMSKeyArn
	}
	domainArgs := &opensearch.DomainArgs{
		DomainName:    pulumi.String(a.DomainName),
		EngineVersion: pulumi.String(a.EngineVersion),
		ClusterConfig: cluster,
		EbsOptions: &opensearch.DomainEbsOptionsArgs{
			EbsEnabled: pulumi.Bool(true),
			VolumeSize: pulumi.Int(a.VolumeGB),
			VolumeType: pulumi.String("gp3"),
		},
		EncryptAtRest:        encrypt,
		NodeToNodeEncryption: &opensearch.DomainNodeToNodeEncryptionArgs{Enabled: pulumi.Bool(true)},
		DomainEndpointOptions: &opensearch.DomainDomainEndpointOptionsArgs{
			EnforceHttps:      pulumi.Bool(true),
			TlsSecurityPolicy: pulumi.String(DefaultSearchTLSPolicy),
		},
		LogPublishingOptions: opensearch.DomainLogPublishingOptionArray{
			&opensearch.DomainLogPublishingOptionArgs{LogType: pulumi.String("SEARCH_SLOW_LOGS"), CloudwatchLogGroupArn: d.SearchSlowLogs.Arn},
			&opensearch.DomainLogPublishingOptionArgs{LogType: pulumi.String("INDEX_SLOW_LOGS"), CloudwatchLogGroupArn: d.IndexSlowLogs.Arn},
			&opensearch.DomainLogPublishingOptionArgs{LogType: pulumi.String("ES_APPLICATION_LOGS"), CloudwatchLogGroupArn: d.ApplicationLogs.Arn},
		},
	}
	if v := a.VPC; v != nil {
		domainArgs.VpcOptions = &opensearch.DomainVpcOptionsArgs{
			SubnetIds:        pulumi.ToStringArray(v.SubnetIds),
			SecurityGroupIds: pulumi.ToStringArray(v.SecurityGroupIds),
		}
	}
	if d.Domain, err = opensearch.NewDomain(ctx, name, domainArgs, parent,
		pulumi.DependsOn([]pulumi.Resource{d.LogResourcePolicy})); err != nil {
		return nil, err
	}
	if err := check.Suppress(ctx, d.Domain, a.suppressions()...); err != nil {
		return nil, err
	}
	d.Name, d.Arn = d.Domain.DomainName, d.Domain.Arn
	d.Endpoint = pulumi.Sprintf("https://%s", d.Domain.Endpoint)
	if err := ctx.RegisterResourceOutputs(d, pulumi.Map{"name": d.Name, "arn": d.Arn, "endpoint": d.Endpoint}); err != nil {
		return nil, err
	}
	return d, nil
}

// Reasons for the cdk-nag OpenSearch rules a domain of these args cannot
// meet; each is recorded only when it applies, and production-sized args
// (VPC, DedicatedMasterType, an even InstanceCount) meet the rule instead.
const (
	searchIPAllowlistReason = "access is by IAM identity, not network address: the access policy names only the granted roles, whose requests must be SigV4-signed over TLS 1.2+; callers such as Lambda functions have no fixed source IPs to allowlist (in a VPC, its security groups limit the network)"
	searchPublicReason      = "no VPC given (SearchDomainArgs.VPC): the public endpoint answers only SigV4-signed HTTPS requests of the roles the access policy names; set VPC to put the domain in private subnets"
	searchMastersReason     = "dev-sized domain without dedicated master nodes (SearchDomainArgs.DedicatedMasterType unset); production sets DedicatedMasterType and DedicatedMasterCount"
	searchZonesReason       = "dev-sized domain with a single data node (SearchDomainArgs.InstanceCount 1) lives in one Availability Zone; an even InstanceCount of 2 or more turns zone awareness on"
)

func (a SearchDomainArgs) suppressions() []check.Suppression {
	ss := []check.Suppression{{Rule: "AwsSolutions-OS3", Reason: searchIPAllowlistReason}}
	if a.VPC == nil {
		ss = append(ss, check.Suppression{Rule: "AwsSolutions-OS1", Reason: searchPublicReason})
	}
	if a.DedicatedMasterType == "" {
		ss = append(ss, check.Suppression{Rule: "AwsSolutions-OS4", Reason: searchMastersReason})
	}
	if a.zones() < 2 {
		ss = append(ss, check.Suppression{Rule: "AwsSolutions-OS7", Reason: searchZonesReason})
	}
	return ss
}

// SearchGrants are the roles a domain's access policy admits, by access
// level.
type SearchGrants struct {
	// Read lets these grantees search and read documents (HTTP GET and
	// HEAD). Default: none.
	Read []constructs.Grantee
	// ReadWrite lets these grantees also index, update and delete (every
	// HTTP method). Default: none.
	ReadWrite []constructs.Grantee
}

// The OpenSearch HTTP actions of each access level, as aws-cdk's
// aws-opensearchservice grants them (lib/perms.ts ES_READ_ACTIONS,
// ES_READ_WRITE_ACTIONS).
var (
	searchReadActions      = []string{"es:ESHttpGet", "es:ESHttpHead"}
	searchReadWriteActions = []string{"es:ESHttpDelete", "es:ESHttpGet", "es:ESHttpHead", "es:ESHttpPatch", "es:ESHttpPost", "es:ESHttpPut"}
)

// searchPathsReason justifies "<domain ARN>/*" (IAM5).
const searchPathsReason = "the indexes and APIs of this one domain: OpenSearch authorizes each HTTP request against the domain ARN, a slash and the request path"

// GrantRead lets gs search and read the domain, and writes the domain's
// access policy. A domain has one access policy, so exactly one grant call
// is allowed; use Grant to give some roles read and others read-write.
func (d *SearchDomain) GrantRead(gs ...constructs.Grantee) error {
	return d.Grant(SearchGrants{Read: gs})
}

// GrantReadWrite lets gs read, index, update and delete, and writes the
// domain's access policy. Like GrantRead, it may be the only grant call.
func (d *SearchDomain) GrantReadWrite(gs ...constructs.Grantee) error {
	return d.Grant(SearchGrants{ReadWrite: gs})
}

// Grant adds es:ESHttp* statements scoped to the domain to each grantee's
// role, and writes the domain's access policy admitting exactly those
// roles. It may be called once per domain (any later grant call is an
// error): the access policy is one resource, and two would overwrite each
// other.
func (d *SearchDomain) Grant(g SearchGrants) error {
	scope := fmt.Sprintf("search domain %q", d.name)
	var errs *multierror.Error
	add := func(format string, args ...any) { errs = multierror.Append(errs, fmt.Errorf(format, args...)) }
	d.mu.Lock()
	again := d.granted
	d.granted = true
	d.mu.Unlock()
	if again {
		add("Grant: called again; a domain has one access policy, written by its first grant call, so grant every role in that one call: Grant(SearchGrants{Read: …, ReadWrite: …})")
		return constructs.Invalid(scope, errs)
	}
	if len(g.Read) == 0 && len(g.ReadWrite) == 0 {
		add("Grant: no grantees; name at least one in Read or ReadWrite")
	}
	roles := func(field string, gs []constructs.Grantee) []*iam.Role {
		var out []*iam.Role
		for i, gr := range gs {
			r, ok := core.GrantRole(gr)
			if !ok {
				add("%s[%d]: %T has no IAM role an access policy can name; grant a kumo Function", field, i, gr)
				continue
			}
			out = append(out, r)
		}
		return out
	}
	readRoles, writeRoles := roles("Read", g.Read), roles("ReadWrite", g.ReadWrite)
	for i, r := range readRoles {
		if slices.Contains(writeRoles, r) {
			add("Read[%d]: the grantee is also in ReadWrite, which includes read; name it once", i)
		}
	}
	if err := constructs.Invalid(scope, errs); err != nil {
		d.mu.Lock()
		d.granted = false
		d.mu.Unlock()
		return err
	}

	objects := core.Suffix("/*", d.Arn)
	for _, gr := range g.Read {
		if err := core.AddToRolePolicy(gr, fmt.Sprintf("search-%s-read", d.name), constructs.Statement{
			Sid: "SearchRead", Actions: searchReadActions, Resources: []pulumi.StringInput{objects}, WildcardReason: searchPathsReason,
		}); err != nil {
			return err
		}
	}
	for _, gr := range g.ReadWrite {
		if err := core.AddToRolePolicy(gr, fmt.Sprintf("search-%s-readwrite", d.name), constructs.Statement{
			Sid: "SearchReadWrite", Actions: searchReadWriteActions, Resources: []pulumi.StringInput{objects}, WildcardReason: searchPathsReason,
		}); err != nil {
			return err
		}
	}
	var err error
	d.Policy, err = opensearch.NewDomainPolicy(d.ctx, d.name, &opensearch.DomainPolicyArgs{
		DomainName:     d.Domain.DomainName,
		AccessPolicies: d.accessPolicy(readRoles, writeRoles),
	}, pulumi.Parent(d))
	return err
}

// accessPolicy renders the domain's access policy: one Allow statement per
// access level, naming its roles.
func (d *SearchDomain) accessPolicy(read, write []*iam.Role) pulumi.StringOutput {
	inputs := []any{d.Arn}
	for _, r := range append(slices.Clone(read), write...) {
		inputs = append(inputs, r.Arn)
	}
	return pulumi.All(inputs...).ApplyT(func(vals []any) (string, error) {
		resource := vals[0].(string) + "/*"
		arns := make([]string, 0, len(vals)-1)
		for _, v := range vals[1:] {
			arns = append(arns, v.(string))
		}
		var statements []constructs.Statement
		level := func(sid string, actions, principals []string) {
			if len(principals) == 0 {
				return
			}
			principals = slices.Compact(slices.Sorted(slices.Values(principals)))
			statements = append(statements, constructs.Statement{
				Sid: sid, Effect: "Allow", Principal: map[string][]string{"AWS": principals},
				Actions: actions, Resources: []pulumi.StringInput{pulumi.String(resource)},
			})
		}
		level("GrantedRead", searchReadActions, arns[:len(read)])
		level("GrantedReadWrite", searchReadWriteActions, arns[len(read):])
		return core.PolicyJSONStatic(statements...)
	}).(pulumi.StringOutput)
}
