package synth

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

const (
	// mockAccount is the AWS account every synthesized ARN belongs to; it is
	// the documentation account, so it can never be mistaken for a real one.
	mockAccount = "123456789012"
	// defaultRegion applies when the stack config sets no aws:region, as the
	// AWS provider would fall back to the environment which synth ignores.
	defaultRegion = "us-east-1"
	// streamLabel is a fixed DynamoDB stream label: real labels are creation
	// timestamps, and synth output must not depend on the clock.
	streamLabel = "2026-01-01T00:00:00.000"
)

const (
	lowerAlnum = "abcdefghijklmnopqrstuvwxyz0123456789"
	upperAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	mixedAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	hexDigits  = "0123456789abcdef"
)

// monitor is the offline stand-in for the Pulumi engine and the AWS
// provider. It records every registration and answers with state shaped like
// what AWS would return, derived only from the URN so runs are reproducible.
type monitor struct {
	project, stack, region, account string
	render                          renderer

	// stackOutputs answers a StackReference read with the outputs of the
	// stack it names; nil refuses every reference.
	stackOutputs func(name string) (map[string]any, error)

	// keepState records each resource's ID and State beside its inputs
	// (Request.JSONOnly turns it off: the JSON contract has neither).
	keepState bool

	mu        sync.Mutex
	resources map[string]Resource
	// sites and annotations are collected while the program runs and
	// attached to resources after it (annotate.go).
	sites       []siteRecord
	annotations map[string]map[string][]string
	// naming holds the violations found while autonaming, reported with
	// the reality checks once the program has finished.
	naming []Violation
	// providerRegions maps an explicit aws provider's reference
	// ("<urn>::<id>", what a resource's Provider names) to its region, so
	// one program driving two regions through per-region providers gets
	// each resource's ARNs and endpoints in its own region.
	providerRegions map[string]string
}

var _ pulumi.MockResourceMonitor = (*monitor)(nil)

func newMonitor(project, stack, region, root string) *monitor {
	if region == "" {
		region = defaultRegion
	}
	return &monitor{
		project: project, stack: stack, region: region, account: mockAccount,
		render:          renderer{root: root, hashes: newFileHashes()},
		resources:       map[string]Resource{},
		providerRegions: map[string]string{},
		keepState:       true,
	}
}

// urn computes a resource's URN exactly as the SDK's mock monitor does, so
// the URNs recorded here match the ones the program sees.
func (m *monitor) urn(parent, typ, name string) string {
	parentType := tokens.Type("")
	if p := resource.URN(parent); p != "" && p.QualifiedType() != resource.RootStackType {
		parentType = p.QualifiedType()
	}
	return string(resource.NewURN(tokens.QName(m.stack), tokens.PackageName(m.project), parentType,
		tokens.Type(typ), name))
}

// NewResource records a registration and returns its mock state. Reads
// (Get functions) are answered but not recorded: they are not part of what
// the stack creates.
func (m *monitor) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	parent := ""
	if args.RegisterRPC != nil {
		parent = args.RegisterRPC.GetParent()
	} else if args.ReadRPC != nil {
		parent = args.ReadRPC.GetParent()
	}
	urn := m.urn(parent, args.TypeToken, args.Name)
	if args.ReadRPC != nil && args.TypeToken == stackReferenceType {
		return m.readStackReference(args)
	}

	if rpc := args.RegisterRPC; rpc != nil {
		inputs, err := m.render.object(args.Inputs)
		if err != nil {
			return "", nil, fmt.Errorf("%s: %w", urn, err)
		}
		if resource.URN(parent) != "" && resource.URN(parent).QualifiedType() == resource.RootStackType {
			parent = ""
		}
		m.mu.Lock()
		if _, dup := m.resources[urn]; dup {
			m.mu.Unlock()
			// The real engine refuses this too; failing here catches name
			// clashes in constructs before a deploy does.
			return "", nil, fmt.Errorf("duplicate resource URN %s; each resource needs a unique name", urn)
		}
		physical, naming := autoname(urn, args.TypeToken, args.Name, inputs)
		m.resources[urn] = Resource{
			region:       m.regionOfLocked(args.Provider),
			URN:          urn,
			Type:         args.TypeToken,
			Name:         args.Name,
			Custom:       rpc.GetCustom(),
			Parent:       parent,
			Inputs:       inputs,
			Dependencies: sortedUnique(rpc.GetDependencies()),
			physical:     physical,
		}
		if ic := rpc.GetIgnoreChanges(); len(ic) > 0 {
			r := m.resources[urn]
			r.ignoreChanges = slices.Clone(ic)
			m.resources[urn] = r
		}
		m.naming = append(m.naming, naming...)
		m.mu.Unlock()
	}

	if args.RegisterRPC != nil && !args.Custom {
		// Components have no provider and so no computed state.
		return "", args.Inputs, nil
	}
	id, outs := m.outputs(urn, args.TypeToken, args.Name, args.Inputs, m.regionOf(args.Provider))
	if args.ID != "" {
		id = args.ID
	}
	if args.TypeToken == awsProviderType && args.RegisterRPC != nil {
		region := stringInput(args.Inputs, "region")
		if region == "" {
			region = m.region
		}
		m.mu.Lock()
		m.providerRegions[urn+"::"+id] = region
		m.mu.Unlock()
	}
	state := args.Inputs.Copy()
	for k, v := range outs {
		state[resource.PropertyKey(k)] = v
	}
	switch {
	case args.RegisterRPC != nil && m.keepState:
		if err := m.recordState(urn, id, outs); err != nil {
			return "", nil, err
		}
	case args.RegisterRPC != nil:
		// The ID alone links references between resources (kumo check).
		m.mu.Lock()
		r := m.resources[urn]
		r.ID = id
		m.resources[urn] = r
		m.mu.Unlock()
	}
	return id, state, nil
}

// recordState keeps the ID and the state the program sees for a registered
// resource next to its inputs, so tests can follow references between
// resources (an integration's uri is its alias's invokeArn).
func (m *monitor) recordState(urn, id string, outs map[string]resource.PropertyValue) error {
	rendered := make(map[string]any, len(outs))
	for k, v := range outs {
		rv, err := m.render.value(v)
		if err != nil {
			return fmt.Errorf("%s: output %s: %w", urn, k, err)
		}
		rendered[k] = rv
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.resources[urn]
	state := make(map[string]any, len(r.Inputs)+len(rendered))
	for k, v := range r.Inputs {
		state[k] = v
	}
	for k, v := range rendered {
		state[k] = v
	}
	r.ID, r.State = id, state
	m.resources[urn] = r
	return nil
}

// Call answers the few invokes a stack needs to learn where it runs. Any
// other invoke would reach AWS for real, so it fails loudly instead.
func (m *monitor) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	switch args.Token {
	case "aws:index/getCallerIdentity:getCallerIdentity":
		return resource.NewPropertyMapFromMap(map[string]any{
			"id":        m.account,
			"accountId": m.account,
			"arn":       fmt.Sprintf("arn:aws:sts::%s:assumed-role/kumo-synth/kumo-synth", m.account),
			"userId":    "AROA" + pick("caller", "userId", upperAlnum, 17) + ":kumo-synth",
		}), nil
	case "aws:index/getRegion:getRegion":
		region := m.regionOf(args.Provider)
		return resource.NewPropertyMapFromMap(map[string]any{
			"id":          region,
			"name":        region,
			"endpoint":    fmt.Sprintf("ec2.%s.amazonaws.com", region),
			"description": region,
		}), nil
	case "aws:index/getPartition:getPartition":
		return resource.NewPropertyMapFromMap(map[string]any{
			"id":               "aws",
			"partition":        "aws",
			"dnsSuffix":        "amazonaws.com",
			"reverseDnsPrefix": "com.amazonaws",
		}), nil
	}
	return nil, fmt.Errorf("kumo synth has no offline answer for invoke %s", args.Token)
}

const stackReferenceType = "pulumi:pulumi:StackReference"

// awsProviderType is the type of an explicit AWS provider resource.
const awsProviderType = "pulumi:providers:aws"

// regionOf is the region of the provider a resource or invoke names: an
// explicit aws provider's region, else the stack's.
func (m *monitor) regionOf(provider string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.regionOfLocked(provider)
}

func (m *monitor) regionOfLocked(provider string) string {
	if r, ok := m.providerRegions[provider]; ok {
		return r
	}
	return m.region
}

// readStackReference answers a StackReference with the outputs of the
// referenced stack, synthesized offline: a reference to a stack that does not
// exist, or lacks an output, fails synth as it would fail the deployment.
func (m *monitor) readStackReference(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	name := stringInput(args.Inputs, "name")
	if name == "" {
		name = args.ID
	}
	if m.stackOutputs == nil {
		return "", nil, fmt.Errorf("stack reference %s: kumo synth cannot resolve stack references here", name)
	}
	outs, err := m.stackOutputs(name)
	if err != nil {
		return "", nil, fmt.Errorf("stack reference %s: %w", name, err)
	}
	return name, resource.NewPropertyMapFromMap(map[string]any{
		"name":              name,
		"outputs":           outs,
		"secretOutputNames": []any{},
	}), nil
}

func (m *monitor) namingViolations() []Violation {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]Violation(nil), m.naming...)
}

// snapshot returns the recorded resources sorted by URN.
func (m *monitor) snapshot() []Resource {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]Resource, 0, len(m.resources))
	for _, r := range m.resources {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].URN < out[j].URN })
	return out
}

// outputs returns the ID and computed properties AWS would report for a
// resource of type typ.
func (m *monitor) outputs(urn, typ, name string, in resource.PropertyMap, region string) (string, map[string]resource.PropertyValue) {
	R, A := region, m.account
	str := func(k string) string { return stringInput(in, k) }
	m.mu.Lock()
	names := m.resources[urn].physical
	m.mu.Unlock()
	physical := func(prop string) string {
		// Types with reality rules are named as their provider names them.
		if v, ok := names[prop]; ok {
			return v
		}
		if v := str(prop); v != "" {
			return v
		}
		// A name prefix gets a 26-digit unique suffix, as the AWS provider
		// does (e.g. log groups named "/aws/lambda/fn-2026…").
		prefixProp := "namePrefix"
		if prop == "bucket" {
			prefixProp = "bucketPrefix"
		}
		if p := str(prefixProp); p != "" {
			return p + pick(urn, "prefix", "0123456789", 26)
		}
		return name + "-" + pick(urn, "autoname", hexDigits, 7)
	}
	out := map[string]resource.PropertyValue{}
	set := func(k, v string) { out[k] = resource.NewStringProperty(v) }
	apiInvokeArn := func(target string) string {
		return fmt.Sprintf("arn:aws:apigateway:%s:lambda:path/2015-03-31/functions/%s/invocations", R, target)
	}

	switch {
	case typ == "aws:lambda/function:Function":
		n := physical("name")
		arn := fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", R, A, n)
		version := "$LATEST"
		if boolInput(in, "publish") {
			version = "1"
		}
		codeSha := str("sourceCodeHash")
		if codeSha == "" {
			sum := sha256.Sum256([]byte(urn + "\x00code"))
			codeSha = base64.StdEncoding.EncodeToString(sum[:])
		}
		set("name", n)
		set("arn", arn)
		set("invokeArn", apiInvokeArn(arn))
		set("version", version)
		set("qualifiedArn", arn+":"+version)
		set("qualifiedInvokeArn", apiInvokeArn(arn+":"+version))
		set("codeSha256", codeSha)
		set("sourceCodeHash", codeSha)
		return n, out

	case typ == "aws:lambda/alias:Alias":
		n := physical("name")
		fnArn := lambdaFunctionArn(str("functionName"), R, A)
		arn := fnArn + ":" + n
		set("name", n)
		set("arn", arn)
		set("invokeArn", apiInvokeArn(arn))
		return arn, out

	case typ == "kumo:index:Release":
		// kumo's own provider: a first deploy publishes version 1 and
		// creates the alias on it.
		alias := str("aliasName")
		if alias == "" {
			alias = "live"
		}
		// The release acts in the region it was built for (its region
		// input: a second region's releases name theirs), which is not
		// the stack's when the function is under another region's provider.
		region := R
		if r := str("region"); r != "" {
			region = r
		}
		arn := lambdaFunctionArn(str("functionName"), region, A) + ":" + alias
		set("aliasArn", arn)
		set("version", "1")
		set("publishedVersion", "1")
		return str("functionName") + ":" + alias, out

	case typ == "aws:lambda/eventSourceMapping:EventSourceMapping":
		id := uuidLike(urn)
		fnArn := str("functionName")
		if !strings.HasPrefix(fnArn, "arn:") {
			fnArn = lambdaFunctionArn(fnArn, R, A)
		}
		state := "Enabled"
		if v, ok := in["enabled"]; ok && v.IsBool() && !v.BoolValue() {
			state = "Disabled"
		}
		set("uuid", id)
		set("arn", fmt.Sprintf("arn:aws:lambda:%s:%s:event-source-mapping:%s", R, A, id))
		set("functionArn", fnArn)
		set("state", state)
		return id, out

	case typ == "aws:lambda/permission:Permission":
		sid := physical("statementId")
		set("statementId", sid)
		return sid, out

	case typ == "aws:iam/role:Role":
		n := physical("name")
		set("name", n)
		set("arn", fmt.Sprintf("arn:aws:iam::%s:role%s%s", A, iamPath(str("path")), n))
		set("uniqueId", "AROA"+pick(urn, "uniqueId", upperAlnum, 17))
		return n, out

	case typ == "aws:iam/rolePolicy:RolePolicy":
		n := physical("name")
		set("name", n)
		return roleName(str("role")) + ":" + n, out

	case typ == "aws:iam/policy:Policy":
		n := physical("name")
		arn := fmt.Sprintf("arn:aws:iam::%s:policy%s%s", A, iamPath(str("path")), n)
		set("name", n)
		set("arn", arn)
		set("policyId", "ANPA"+pick(urn, "policyId", upperAlnum, 17))
		return arn, out

	case typ == "aws:cloudwatch/logGroup:LogGroup":
		n := physical("name")
		set("name", n)
		set("arn", fmt.Sprintf("arn:aws:logs:%s:%s:log-group:%s", R, A, n))
		return n, out

	case typ == "aws:cloudwatch/logStream:LogStream":
		n := physical("name")
		set("name", n)
		set("arn", fmt.Sprintf("arn:aws:logs:%s:%s:log-group:%s:log-stream:%s", R, A, str("logGroupName"), n))
		return n, out

	case typ == "aws:cloudwatch/metricAlarm:MetricAlarm":
		n := physical("name")
		set("name", n)
		set("arn", fmt.Sprintf("arn:aws:cloudwatch:%s:%s:alarm:%s", R, A, n))
		return n, out

	case typ == "aws:cloudwatch/logMetricFilter:LogMetricFilter":
		// The provider's ID is the filter name (terraform-provider-aws
		// logs/metric_filter.go resourceMetricFilterPut: d.SetId(name)).
		n := physical("name")
		set("name", n)
		return n, out

	case typ == "aws:cloudwatch/logResourcePolicy:LogResourcePolicy":
		return str("policyName"), out

	case typ == "aws:opensearch/domain:Domain":
		// The provider's ID is the domain ARN; the endpoint of a VPC domain
		// starts with "vpc-", of a public one with "search-".
		n := physical("domainName")
		arn := fmt.Sprintf("arn:aws:es:%s:%s:domain/%s", R, A, n)
		kind := "search"
		if _, vpc := in["vpcOptions"]; vpc {
			kind = "vpc"
		}
		endpoint := fmt.Sprintf("%s-%s-%s.%s.es.amazonaws.com", kind, n, pick(urn, "endpoint", lowerAlnum, 26), R)
		set("domainName", n)
		set("arn", arn)
		set("domainId", A+"/"+n)
		set("endpoint", endpoint)
		set("dashboardEndpoint", endpoint+"/_dashboards")
		return arn, out

	case typ == "aws:opensearch/domainPolicy:DomainPolicy":
		return "esd-policy-" + str("domainName"), out

	case typ == "aws:glue/catalogDatabase:CatalogDatabase":
		n := physical("name")
		set("name", n)
		set("catalogId", A)
		set("arn", fmt.Sprintf("arn:aws:glue:%s:%s:database/%s", R, A, n))
		return A + ":" + n, out

	case typ == "aws:glue/crawler:Crawler":
		n := physical("name")
		set("name", n)
		set("arn", fmt.Sprintf("arn:aws:glue:%s:%s:crawler/%s", R, A, n))
		return n, out

	case typ == "aws:glue/securityConfiguration:SecurityConfiguration":
		n := physical("name")
		set("name", n)
		return n, out

	case typ == "aws:athena/workgroup:Workgroup":
		n := physical("name")
		set("name", n)
		set("arn", fmt.Sprintf("arn:aws:athena:%s:%s:workgroup/%s", R, A, n))
		return n, out
	case typ == "aws:cloudwatch/eventRule:EventRule":
		n := physical("name")
		arn := fmt.Sprintf("arn:aws:events:%s:%s:rule/%s", R, A, n)
		if bus := str("eventBusName"); bus != "" && bus != "default" {
			arn = fmt.Sprintf("arn:aws:events:%s:%s:rule/%s/%s", R, A, bus, n)
		}
		set("name", n)
		set("arn", arn)
		return n, out

	case typ == "aws:cloudwatch/eventTarget:EventTarget":
		id := physical("targetId")
		set("targetId", id)
		return str("rule") + "-" + id, out

	case typ == "aws:sqs/queue:Queue":
		n := physical("name")
		if boolInput(in, "fifoQueue") && !strings.HasSuffix(n, ".fifo") {
			n += ".fifo"
		}
		url := fmt.Sprintf("https://sqs.%s.amazonaws.com/%s/%s", R, A, n)
		set("name", n)
		set("arn", fmt.Sprintf("arn:aws:sqs:%s:%s:%s", R, A, n))
		set("url", url)
		return url, out

	case typ == "aws:sqs/queuePolicy:QueuePolicy":
		// A queue policy is identified by its queue's URL.
		return str("queueUrl"), out

	case typ == "aws:sns/topic:Topic":
		n := physical("name")
		if boolInput(in, "fifoTopic") && !strings.HasSuffix(n, ".fifo") {
			n += ".fifo"
		}
		arn := fmt.Sprintf("arn:aws:sns:%s:%s:%s", R, A, n)
		set("name", n)
		set("arn", arn)
		return arn, out

	case typ == "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream":
		// The provider's ID is the stream's ARN.
		n := physical("name")
		arn := fmt.Sprintf("arn:aws:firehose:%s:%s:deliverystream/%s", R, A, n)
		set("name", n)
		set("arn", arn)
		set("versionId", "1")
		set("destinationId", "destinationId-000000000001")
		return arn, out

	case typ == "aws:kinesis/stream:Stream":
		// The provider's ID is the stream's ARN.
		n := physical("name")
		arn := fmt.Sprintf("arn:aws:kinesis:%s:%s:stream/%s", R, A, n)
		set("name", n)
		set("arn", arn)
		return arn, out

	case typ == "aws:iot/topicRule:TopicRule":
		// The provider's ID is the rule name.
		n := physical("name")
		set("name", n)
		set("arn", fmt.Sprintf("arn:aws:iot:%s:%s:rule/%s", R, A, n))
		return n, out

	case typ == "aws:sfn/stateMachine:StateMachine":
		// The provider's ID is the state machine's ARN; the creation date is
		// fixed so synth output does not depend on the clock.
		n := physical("name")
		arn := fmt.Sprintf("arn:aws:states:%s:%s:stateMachine:%s", R, A, n)
		set("name", n)
		set("arn", arn)
		set("status", "ACTIVE")
		set("creationDate", "2026-01-01T00:00:00Z")
		set("revisionId", uuidLike(urn))
		set("stateMachineVersionArn", "")
		return arn, out

	case typ == "aws:sns/topicPolicy:TopicPolicy":
		// A topic policy is identified by its topic's ARN.
		return str("arn"), out

	case typ == "aws:sns/topicSubscription:TopicSubscription":
		arn := str("topic") + ":" + uuidLike(urn)
		set("arn", arn)
		// E-mail subscriptions wait for the owner of the address to confirm.
		if p := str("protocol"); p == "email" || p == "email-json" {
			out["pendingConfirmation"] = resource.NewBoolProperty(true)
		}
		return arn, out

	case typ == "aws:kms/key:Key":
		id := uuidLike(urn)
		set("keyId", id)
		set("arn", fmt.Sprintf("arn:aws:kms:%s:%s:key/%s", R, A, id))
		return id, out

	case typ == "aws:kms/alias:Alias":
		n := physical("name")
		set("name", n)
		set("arn", fmt.Sprintf("arn:aws:kms:%s:%s:%s", R, A, n))
		if k := str("targetKeyId"); k != "" {
			set("targetKeyArn", k)
			if !strings.HasPrefix(k, "arn:") {
				set("targetKeyArn", fmt.Sprintf("arn:aws:kms:%s:%s:key/%s", R, A, k))
			}
		}
		return n, out

	case typ == "aws:cloudtrail/trail:Trail":
		n := physical("name")
		arn := fmt.Sprintf("arn:aws:cloudtrail:%s:%s:trail/%s", R, A, n)
		set("name", n)
		set("arn", arn)
		set("homeRegion", R)
		return arn, out

	case typ == "aws:dynamodb/table:Table":
		n := physical("name")
		arn := fmt.Sprintf("arn:aws:dynamodb:%s:%s:table/%s", R, A, n)
		set("name", n)
		set("arn", arn)
		if boolInput(in, "streamEnabled") {
			set("streamArn", arn+"/stream/"+streamLabel)
			set("streamLabel", streamLabel)
		}
		return n, out

	case typ == "aws:dynamodb/tableReplica:TableReplica":
		// A replica is the global table's namesake in the replica's region
		// (the provider's region). Its ID is "<table name>:<main region>",
		// as the provider sets it (terraform-provider-aws
		// internal/service/dynamodb/table_replica.go: d.SetId(
		// tableReplicaCreateResourceID(tableName, mainRegion)); pulumi-aws
		// documents the import ID as "table-name:main-region").
		mainRegion, table := tableArnParts(str("globalTableArn"))
		if table == "" {
			table = name
		}
		set("arn", fmt.Sprintf("arn:aws:dynamodb:%s:%s:table/%s", R, A, table))
		if _, ok := in["deletionProtectionEnabled"]; !ok {
			// Optional and computed: AWS reports the replica's setting.
			out["deletionProtectionEnabled"] = resource.NewBoolProperty(false)
		}
		return table + ":" + mainRegion, out

	case typ == "aws:s3/bucketV2:BucketV2" || typ == "aws:s3/bucket:Bucket":
		n := physical("bucket")
		set("bucket", n)
		set("arn", "arn:aws:s3:::"+n)
		set("bucketDomainName", n+".s3.amazonaws.com")
		set("bucketRegionalDomainName", fmt.Sprintf("%s.s3.%s.amazonaws.com", n, R))
		set("region", R)
		return n, out

	case strings.HasPrefix(typ, "aws:s3/"):
		// Bucket sub-resources (policy, public access block, objects) are
		// identified by their bucket in AWS.
		if b := str("bucket"); b != "" {
			if k := str("key"); k != "" {
				return b + "/" + k, out
			}
			return b, out
		}
		return physical("name"), out

	case typ == "aws:cloudfront/distribution:Distribution":
		id := "E" + pick(urn, "id", upperAlnum, 13)
		set("arn", fmt.Sprintf("arn:aws:cloudfront::%s:distribution/%s", A, id))
		set("domainName", "d"+pick(urn, "domain", lowerAlnum, 13)+".cloudfront.net")
		set("hostedZoneId", "Z2FDTNDATAQYW2")
		set("status", "Deployed")
		set("etag", "E"+pick(urn, "etag", upperAlnum, 13))
		return id, out

	case typ == "aws:cloudfront/originAccessControl:OriginAccessControl" ||
		typ == "aws:cloudfront/originAccessIdentity:OriginAccessIdentity":
		id := "E" + pick(urn, "id", upperAlnum, 13)
		set("etag", "E"+pick(urn, "etag", upperAlnum, 13))
		return id, out

	case typ == "aws:cloudfront/function:Function":
		n := physical("name")
		set("arn", fmt.Sprintf("arn:aws:cloudfront::%s:function/%s", A, n))
		set("etag", "E"+pick(urn, "etag", upperAlnum, 13))
		return n, out

	case strings.HasPrefix(typ, "aws:cloudfront/"):
		// Policies (response headers, cache, origin request) have UUID ids.
		set("etag", "E"+pick(urn, "etag", upperAlnum, 13))
		return uuidLike(urn), out

	case typ == "aws:apigateway/restApi:RestApi":
		id := pick(urn, "id", lowerAlnum, 10)
		set("name", physical("name"))
		set("rootResourceId", pick(urn, "root", lowerAlnum, 10))
		set("executionArn", fmt.Sprintf("arn:aws:execute-api:%s:%s:%s", R, A, id))
		set("arn", fmt.Sprintf("arn:aws:apigateway:%s::/restapis/%s", R, id))
		return id, out

	case typ == "aws:apigateway/stage:Stage":
		api, stage := str("restApi"), str("stageName")
		set("invokeUrl", fmt.Sprintf("https://%s.execute-api.%s.amazonaws.com/%s", api, R, stage))
		set("executionArn", fmt.Sprintf("arn:aws:execute-api:%s:%s:%s/%s", R, A, api, stage))
		set("arn", fmt.Sprintf("arn:aws:apigateway:%s::/restapis/%s/stages/%s", R, api, stage))
		return fmt.Sprintf("ags-%s-%s", api, stage), out

	case typ == "aws:apigateway/deployment:Deployment":
		id := pick(urn, "id", lowerAlnum, 6)
		api := str("restApi")
		set("invokeUrl", fmt.Sprintf("https://%s.execute-api.%s.amazonaws.com/%s", api, R, str("stageName")))
		set("executionArn", fmt.Sprintf("arn:aws:execute-api:%s:%s:%s/%s", R, A, api, str("stageName")))
		return id, out

	case typ == "aws:apigateway/authorizer:Authorizer":
		id := pick(urn, "id", lowerAlnum, 6)
		set("arn", fmt.Sprintf("arn:aws:apigateway:%s::/restapis/%s/authorizers/%s", R, str("restApi"), id))
		return id, out

	case typ == "aws:apigateway/apiKey:ApiKey":
		id := pick(urn, "id", lowerAlnum, 10)
		value := str("value")
		if value == "" {
			value = pick(urn, "value", mixedAlnum, 40)
		}
		set("name", physical("name"))
		set("arn", fmt.Sprintf("arn:aws:apigateway:%s::/apikeys/%s", R, id))
		out["value"] = resource.MakeSecret(resource.NewStringProperty(value))
		return id, out

	case typ == "aws:apigateway/usagePlan:UsagePlan":
		id := pick(urn, "id", lowerAlnum, 6)
		set("arn", fmt.Sprintf("arn:aws:apigateway:%s::/usageplans/%s", R, id))
		return id, out

	case typ == "aws:apigateway/domainName:DomainName":
		// The provider's ID is the domain name. A regional domain answers
		// on d-<id>.execute-api.<region>.amazonaws.com in the region's
		// API Gateway hosted zone; an edge one on a CloudFront distribution.
		d := str("domainName")
		set("arn", fmt.Sprintf("arn:aws:apigateway:%s::/domainnames/%s", R, d))
		set("domainNameId", pick(urn, "domainNameId", lowerAlnum, 10))
		if t, _ := stringAt(in, "endpointConfiguration", "types"); t == "REGIONAL" {
			set("regionalDomainName", fmt.Sprintf("d-%s.execute-api.%s.amazonaws.com", pick(urn, "regional", lowerAlnum, 10), R))
			set("regionalZoneId", apiGatewayZoneID(R))
		} else {
			set("cloudfrontDomainName", "d"+pick(urn, "domain", lowerAlnum, 13)+".cloudfront.net")
			set("cloudfrontZoneId", apiGatewayEdgeZoneID)
		}
		return d, out

	case typ == "aws:apigateway/basePathMapping:BasePathMapping":
		// terraform-provider-aws base_path_mapping.go: the ID is
		// "<domain>/<base path>", the base path "(none)" when empty.
		bp := str("basePath")
		if bp == "" {
			bp = "(none)"
		}
		return str("domainName") + "/" + bp, out

	case strings.HasPrefix(typ, "aws:apigateway/"):
		return pick(urn, "id", lowerAlnum, 6), out

	case typ == "aws:acm/certificate:Certificate":
		// The provider's ID is the ARN. DNS validation asks for one CNAME
		// per name: _<hash>.<name>. → _<hash>.<random>.acm-validations.aws.
		arn := fmt.Sprintf("arn:aws:acm:%s:%s:certificate/%s", R, A, uuidLike(urn))
		set("arn", arn)
		set("status", "PENDING_VALIDATION")
		names := []string{str("domainName")}
		if sans, ok := in["subjectAlternativeNames"]; ok && sans.IsArray() {
			for _, v := range sans.ArrayValue() {
				if v.IsString() && !slices.Contains(names, v.StringValue()) {
					names = append(names, v.StringValue())
				}
			}
		}
		var dvos []resource.PropertyValue
		if strings.EqualFold(str("validationMethod"), "DNS") {
			for _, n := range names {
				base := strings.TrimPrefix(n, "*.")
				dvos = append(dvos, resource.NewObjectProperty(resource.PropertyMap{
					"domainName":          resource.NewStringProperty(n),
					"resourceRecordName":  resource.NewStringProperty("_" + pick(urn+n, "dvo-name", hexDigits, 32) + "." + base + "."),
					"resourceRecordType":  resource.NewStringProperty("CNAME"),
					"resourceRecordValue": resource.NewStringProperty("_" + pick(urn+n, "dvo-value", hexDigits, 32) + "." + pick(urn+n, "dvo-zone", lowerAlnum, 10) + ".acm-validations.aws."),
				}))
			}
		}
		out["domainValidationOptions"] = resource.NewArrayProperty(dvos)
		return arn, out

	case typ == "aws:acm/certificateValidation:CertificateValidation":
		// terraform-provider-aws certificate_validation.go sets the ID to
		// the certificate's issue time; a fixed one keeps synth stable.
		set("certificateArn", str("certificateArn"))
		return "2026-01-01 00:00:00 +0000 UTC", out

	case typ == "aws:route53/record:Record":
		// terraform-provider-aws record.go: the ID is
		// <zone>_<name>_<type>[_<set identifier>]; fqdn is the name.
		n := strings.ToLower(strings.TrimSuffix(str("name"), "."))
		set("fqdn", n)
		id := str("zoneId") + "_" + n + "_" + str("type")
		if sid := str("setIdentifier"); sid != "" {
			id += "_" + sid
		}
		return id, out

	case typ == "aws:route53/healthCheck:HealthCheck":
		// Health checks are global: arn:aws:route53:::healthcheck/<uuid>.
		id := uuidLike(urn)
		set("arn", "arn:aws:route53:::healthcheck/"+id)
		return id, out

	case typ == "aws:ssm/parameter:Parameter":
		// terraform-provider-aws ssm/parameter.go sets the ID to the name;
		// the ARN is arn:aws:ssm:<region>:<account>:parameter/<name> with
		// a hierarchical name's leading / dropped
		// (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssystemsmanager.html#awssystemsmanager-resources-for-iam-policies).
		n := physical("name")
		set("name", n)
		set("arn", fmt.Sprintf("arn:aws:ssm:%s:%s:parameter/%s", R, A, strings.TrimPrefix(n, "/")))
		if str("tier") == "" {
			set("tier", "Standard")
		}
		out["version"] = resource.NewNumberProperty(1)
		return n, out

	case typ == "aws:cognito/userPool:UserPool":
		id := R + "_" + pick(urn, "id", mixedAlnum, 9)
		set("name", physical("name"))
		set("arn", fmt.Sprintf("arn:aws:cognito-idp:%s:%s:userpool/%s", R, A, id))
		set("endpoint", fmt.Sprintf("cognito-idp.%s.amazonaws.com/%s", R, id))
		return id, out

	case typ == "aws:cognito/userPoolClient:UserPoolClient":
		id := pick(urn, "id", lowerAlnum, 26)
		set("name", physical("name"))
		if boolInput(in, "generateSecret") {
			out["clientSecret"] = resource.MakeSecret(resource.NewStringProperty(pick(urn, "secret", lowerAlnum, 51)))
		}
		return id, out

	case typ == "aws:codedeploy/application:Application":
		n := physical("name")
		set("name", n)
		set("applicationId", uuidLike(urn))
		set("arn", fmt.Sprintf("arn:aws:codedeploy:%s:%s:application:%s", R, A, n))
		return uuidLike(urn), out

	case typ == "aws:codedeploy/deploymentGroup:DeploymentGroup":
		n := physical("deploymentGroupName")
		set("deploymentGroupName", n)
		set("deploymentGroupId", uuidLike(urn))
		set("arn", fmt.Sprintf("arn:aws:codedeploy:%s:%s:deploymentgroup:%s/%s", R, A, str("appName"), n))
		return uuidLike(urn), out

	case typ == "aws:codedeploy/deploymentConfig:DeploymentConfig":
		n := physical("deploymentConfigName")
		set("deploymentConfigName", n)
		set("deploymentConfigId", uuidLike(urn))
		set("arn", fmt.Sprintf("arn:aws:codedeploy:%s:%s:deploymentconfig:%s", R, A, n))
		return n, out

	case typ == "aws:codebuild/project:Project":
		// The provider's ID is the project's ARN.
		n := physical("name")
		arn := fmt.Sprintf("arn:aws:codebuild:%s:%s:project/%s", R, A, n)
		set("name", n)
		set("arn", arn)
		set("badgeUrl", "")
		return arn, out

	case typ == "aws:codebuild/webhook:Webhook":
		// The provider's ID is the project name; CodeBuild installs the
		// hook in GitHub itself, so no secret comes back.
		n := str("projectName")
		set("url", fmt.Sprintf("https://codebuild.%s.amazonaws.com/webhooks?t=%s&v=1", R, pick(urn, "webhook", mixedAlnum, 40)))
		set("payloadUrl", fmt.Sprintf("https://codebuild.%s.amazonaws.com/webhooks", R))
		return n, out

	case typ == "aws:codepipeline/pipeline:Pipeline":
		n := physical("name")
		set("name", n)
		set("arn", fmt.Sprintf("arn:aws:codepipeline:%s:%s:%s", R, A, n))
		return n, out

	case typ == "aws:codestarconnections/connection:Connection":
		// The provider's ID is the ARN; AWS creates connections PENDING
		// until someone completes the handshake in the console.
		n := physical("name")
		arn := fmt.Sprintf("arn:aws:codestar-connections:%s:%s:connection/%s", R, A, uuidLike(urn))
		set("name", n)
		set("arn", arn)
		set("connectionStatus", "PENDING")
		return arn, out

	case typ == "aws:codestarnotifications/notificationRule:NotificationRule":
		// The provider's ID is the ARN, notificationrule/<40 hex digits>.
		n := physical("name")
		arn := fmt.Sprintf("arn:aws:codestar-notifications:%s:%s:notificationrule/%s", R, A, pick(urn, "rule", hexDigits, 40))
		set("name", n)
		set("arn", arn)
		return arn, out
	}
	// Unknown types still need an ID for the SDK to resolve them as created.
	return physical("name"), out
}

// apiGatewayEdgeZoneID is the hosted zone of every edge-optimized API
// Gateway domain, and apiGatewayZoneIDs those of regional endpoints, by
// region: "Amazon API Gateway endpoints and quotas", the Route 53 Hosted
// Zone ID column (https://docs.aws.amazon.com/general/latest/gr/apigateway.html).
const apiGatewayEdgeZoneID = "Z2FDTNDATAQYW2"

var apiGatewayZoneIDs = map[string]string{
	"us-east-1": "Z1UJRXOUMOOFQ8", "us-east-2": "ZOJJZC49E0EPZ", "us-west-1": "Z2MUQ32089INYE", "us-west-2": "Z2OJLYMUO9EFXC",
	"ca-central-1": "Z19DQILCV0OWEC", "sa-east-1": "ZCMLWB8V5SYIT",
	"eu-west-1": "ZLY8HYME6SFDD", "eu-west-2": "ZJ5UAJN8Y3Z2Q", "eu-west-3": "Z3KY65QIEKYHQQ", "eu-central-1": "Z1U9ULNL0V5AJ3",
	"ap-south-1": "Z3VO1THU9YC4UR", "ap-northeast-1": "Z1YSHQZHG15GKL", "ap-northeast-2": "Z20JF4UZKIW1U8",
	"ap-southeast-1": "ZL327KTPIQFUL", "ap-southeast-2": "Z2RPCDW04V8134",
}

// apiGatewayZoneID is a region's API Gateway hosted zone; for a region
// kumo has not transcribed, a stable made-up ID of the same shape (the
// value only flows into alias records, never to a real call).
func apiGatewayZoneID(region string) string {
	if z, ok := apiGatewayZoneIDs[region]; ok {
		return z
	}
	return "Z" + pick(region, "apigateway-zone", upperAlnum, 13)
}

// stringAt reads a string nested in objects of a property map.
func stringAt(in resource.PropertyMap, path ...string) (string, bool) {
	v := resource.NewObjectProperty(in)
	for _, k := range path {
		if v = unwrapKnown(v); !v.IsObject() {
			return "", false
		}
		v = v.ObjectValue()[resource.PropertyKey(k)]
	}
	if v = unwrapKnown(v); !v.IsString() {
		return "", false
	}
	return v.StringValue(), true
}

// pick derives n characters from alphabet, deterministically from the URN
// and the purpose of the value (so an id and a domain of one resource differ).
func pick(urn, purpose, alphabet string, n int) string {
	var b strings.Builder
	for block := uint32(0); b.Len() < n; block++ {
		var ctr [4]byte
		binary.BigEndian.PutUint32(ctr[:], block)
		sum := sha256.Sum256([]byte(urn + "\x00" + purpose + "\x00" + string(ctr[:])))
		for _, c := range sum {
			if b.Len() == n {
				break
			}
			b.WriteByte(alphabet[int(c)%len(alphabet)])
		}
	}
	return b.String()
}

// uuidLike formats 32 URN-derived hex digits as a UUID.
func uuidLike(urn string) string {
	h := pick(urn, "uuid", hexDigits, 32)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// lambdaFunctionArn resolves a functionName input, which AWS accepts as a
// name, a full ARN or a qualified ARN, to the unqualified function ARN.
func lambdaFunctionArn(fn, region, account string) string {
	if strings.HasPrefix(fn, "arn:") {
		parts := strings.Split(fn, ":")
		if len(parts) > 7 {
			parts = parts[:7]
		}
		return strings.Join(parts, ":")
	}
	return fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", region, account, fn)
}

// roleName accepts a role name or ARN, as the RolePolicy role input does.
func roleName(role string) string {
	if i := strings.LastIndex(role, "/"); strings.HasPrefix(role, "arn:") && i >= 0 {
		return role[i+1:]
	}
	return role
}

// iamPath normalizes an IAM path input to the "/…/" form ARNs embed.
func iamPath(p string) string {
	if p == "" {
		return "/"
	}
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	if !strings.HasSuffix(p, "/") {
		p += "/"
	}
	return p
}

// stringInput returns a known string input, looking through secrets.
func stringInput(in resource.PropertyMap, key string) string {
	v, ok := in[resource.PropertyKey(key)]
	if !ok {
		return ""
	}
	v = unwrapKnown(v)
	if v.IsString() {
		return v.StringValue()
	}
	return ""
}

func boolInput(in resource.PropertyMap, key string) bool {
	v, ok := in[resource.PropertyKey(key)]
	if !ok {
		return false
	}
	v = unwrapKnown(v)
	return v.IsBool() && v.BoolValue()
}

// unwrapKnown strips secret and known-output wrappers from a value.
func unwrapKnown(v resource.PropertyValue) resource.PropertyValue {
	for {
		switch {
		case v.IsSecret():
			v = v.SecretValue().Element
		case v.IsOutput() && v.OutputValue().Known:
			v = v.OutputValue().Element
		default:
			return v
		}
	}
}

func sortedUnique(in []string) []string {
	out := make([]string, 0, len(in))
	seen := map[string]bool{}
	for _, s := range in {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}
