package lake

import (
	"cmp"
	"fmt"

	"github.com/hashicorp/go-multierror"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/athena"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/constructs"
	"github.com/kumo-iac/kumo/internal/lazyregexp"
)

// WorkgroupArgs configure a Workgroup.
type WorkgroupArgs struct {
	// ResultsBucket receives query results. Required.
	ResultsBucket *constructs.Bucket
	// ResultsPrefix is the key prefix of the results, ending in '/'.
	// Default: "athena/".
	ResultsPrefix string
	// BytesScannedCutoffPerQuery cancels a query once it has scanned this
	// many bytes, at least 10 MiB (10485760). Default: 10 GiB.
	BytesScannedCutoffPerQuery int64
	// KMSKeyArn encrypts query results with SSE-KMS and this key. Default:
	// SSE-S3.
	KMSKeyArn pulumi.StringInput
	// EngineVersion is "AUTO" or "Athena engine version N". Default: "AUTO",
	// Athena picks and upgrades it.
	EngineVersion string
}

// Workgroup is an Athena workgroup whose settings bind every query run in
// it (clients cannot override them): results encrypted in one place,
// CloudWatch metrics on, a per-query scan cutoff. Deleting the stack never
// deletes saved queries with it (force destroy off).
type Workgroup struct {
	pulumi.ResourceState

	name string
	args WorkgroupArgs

	// Workgroup is the underlying resource, an escape hatch.
	Workgroup *athena.Workgroup
	// Name is the workgroup name queries run in.
	Name pulumi.StringOutput
	// Arn is the workgroup ARN grants are scoped to.
	Arn pulumi.StringOutput
	// OutputLocation is the s3:// URL results are written under.
	OutputLocation pulumi.StringOutput
}

var (
	// The provider autonames a workgroup from the resource name, "-" and
	// 7 random characters; CreateWorkGroup accepts [a-zA-Z0-9._-]{1,128}
	// (https://docs.aws.amazon.com/athena/latest/APIReference/API_CreateWorkGroup.html).
	workgroupLogicalName = lazyregexp.New(`^[a-zA-Z0-9._-]{1,120}$`)
	resultsPrefixPattern = lazyregexp.New(`^([A-Za-z0-9!_.'()=-]+/)+$`)
	athenaEnginePattern  = lazyregexp.New(`^(AUTO|Athena engine version [0-9]+)$`)
)

func (a WorkgroupArgs) withDefaults() WorkgroupArgs {
	a.ResultsPrefix = cmp.Or(a.ResultsPrefix, DefaultAthenaResultsPrefix)
	a.BytesScannedCutoffPerQuery = cmp.Or(a.BytesScannedCutoffPerQuery, DefaultBytesScannedCutoffPerQuery)
	a.EngineVersion = cmp.Or(a.EngineVersion, DefaultAthenaEngineVersion)
	return a
}

func (a WorkgroupArgs) validate(name string) *multierror.Error {
	var errs *multierror.Error
	add := func(format string, args ...any) { errs = multierror.Append(errs, fmt.Errorf(format, args...)) }
	if !workgroupLogicalName().MatchString(name) {
		add("name: %q must be 1–120 letters, digits, '.', '_' or '-' (Athena workgroup names are at most 128 and kumo appends an 8-character suffix)", name)
	}
	if a.ResultsBucket == nil {
		add("ResultsBucket: nil; name the bucket query results go to")
	}
	if !resultsPrefixPattern().MatchString(a.ResultsPrefix) || len(a.ResultsPrefix) > 1024 {
		add("ResultsPrefix: %q must be a key prefix ending in '/', without a leading '/', empty segments or wildcards, e.g. %q", a.ResultsPrefix, DefaultAthenaResultsPrefix)
	}
	if a.BytesScannedCutoffPerQuery < MinBytesScannedCutoffPerQuery {
		add("BytesScannedCutoffPerQuery: %d is below %d (10 MiB), the smallest cutoff Athena accepts", a.BytesScannedCutoffPerQuery, MinBytesScannedCutoffPerQuery)
	}
	if !athenaEnginePattern().MatchString(a.EngineVersion) {
		add("EngineVersion: %q; use \"AUTO\" or \"Athena engine version 3\"", a.EngineVersion)
	}
	return errs
}

// Validate reports every problem with the args, defaults applied, as the
// constructor would, without registering anything.
func (a WorkgroupArgs) Validate(name string) error {
	return constructs.Invalid(fmt.Sprintf("workgroup %q", name), a.withDefaults().validate(name))
}

// NewWorkgroup registers an Athena workgroup writing encrypted results to
// ResultsBucket.
func NewWorkgroup(ctx *pulumi.Context, name string, args *WorkgroupArgs, opts ...pulumi.ResourceOption) (*Workgroup, error) {
	if args == nil {
		args = &WorkgroupArgs{}
	}
	a := args.withDefaults()
	if err := constructs.Invalid(fmt.Sprintf("workgroup %q", name), a.validate(name)); err != nil {
		return nil, err
	}
	w := &Workgroup{name: name, args: a}
	if err := ctx.RegisterComponentResource("kumo:constructs:Workgroup", name, w, opts...); err != nil {
		return nil, err
	}
	w.OutputLocation = pulumi.Sprintf("s3://%s/%s", a.ResultsBucket.Name, a.ResultsPrefix)
	enc := &athena.WorkgroupConfigurationResultConfigurationEncryptionConfigurationArgs{EncryptionOption: pulumi.String("SSE_S3")}
	if a.KMSKeyArn != nil {
		enc = &athena.WorkgroupConfigurationResultConfigurationEncryptionConfigurationArgs{
			EncryptionOption: pulumi.String("SSE_KMS"), KmsKeyArn: a.KMSKeyArn}
	}
	var err error
	if w.Workgroup, err = athena.NewWorkgroup(ctx, name, &athena.WorkgroupArgs{
		Description: pulumi.Sprintf("kumo workgroup %s", name),
		State:       pulumi.String("ENABLED"),
		// Deleting a workgroup with saved queries fails instead of taking
		// them along.
		ForceDestroy: pulumi.Bool(false),
		Configuration: &athena.WorkgroupConfigurationArgs{
			EnforceWorkgroupConfiguration:   pulumi.Bool(true),
			PublishCloudwatchMetricsEnabled: pulumi.Bool(true),
			BytesScannedCutoffPerQuery:      pulumi.Int(int(a.BytesScannedCutoffPerQuery)),
			EngineVersion:                   &athena.WorkgroupConfigurationEngineVersionArgs{SelectedEngineVersion: pulumi.String(a.EngineVersion)},
			ResultConfiguration: &athena.WorkgroupConfigurationResultConfigurationArgs{
				OutputLocation:          w.OutputLocation,
				EncryptionConfiguration: enc,
			},
		},
	}, pulumi.Parent(w)); err != nil {
		return nil, err
	}
	w.Name, w.Arn = w.Workgroup.Name, w.Workgroup.Arn
	if err := ctx.RegisterResourceOutputs(w, pulumi.Map{"name": w.Name, "arn": w.Arn, "outputLocation": w.OutputLocation}); err != nil {
		return nil, err
	}
	return w, nil
}

// athenaQueryActions run and read queries in a workgroup.
var athenaQueryActions = []string{"athena:GetQueryExecution", "athena:GetQueryResults",
	"athena:StartQueryExecution", "athena:StopQueryExecution"}

// GrantQuery lets g run queries in the workgroup and read and write their
// results under ResultsPrefix. Querying a table also takes read access to
// its Glue catalog (GlueCatalog.GrantRead) and to the bucket holding its
// data (Bucket.GrantRead).
func (w *Workgroup) GrantQuery(g constructs.Grantee) error {
	b := w.args.ResultsBucket
	results := pulumi.Sprintf("%s/%s*", b.Arn, w.args.ResultsPrefix)
	statements := []constructs.Statement{
		{Sid: "WorkgroupQuery", Actions: athenaQueryActions, Resources: []pulumi.StringInput{w.Arn}},
		// Athena looks up the results bucket's region and lists what a
		// query wrote before returning it.
		{Sid: "ResultsBucket", Actions: []string{"s3:GetBucketLocation", "s3:ListBucket"}, Resources: []pulumi.StringInput{b.Arn}},
		{Sid: "ResultsReadWrite", Actions: []string{"s3:AbortMultipartUpload", "s3:GetObject", "s3:ListMultipartUploadParts", "s3:PutObject"},
			Resources:      []pulumi.StringInput{results},
			WildcardReason: "the query results under the workgroup's results prefix of one bucket: Athena names each result object after its query ID"},
	}
	var keys []pulumi.StringInput
	if w.args.KMSKeyArn != nil {
		keys = append(keys, w.args.KMSKeyArn)
	}
	if k := core.BucketArgs(b).KMSKeyArn; k != "" {
		keys = append(keys, pulumi.String(k))
	}
	if len(keys) > 0 {
		statements = append(statements, constructs.Statement{Sid: "ResultsKey", Actions: []string{"kms:Decrypt", "kms:GenerateDataKey"}, Resources: keys})
	}
	return core.AddToRolePolicy(g, fmt.Sprintf("athena-%s-query", w.name), statements...)
}
