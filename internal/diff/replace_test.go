package diff

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// goldenResource is the part of a synth document's resource these tests read.
type goldenResource struct {
	Type   string         `json:"type"`
	Name   string         `json:"name"`
	Custom bool           `json:"custom"`
	Inputs map[string]any `json:"inputs"`
}

func goldenResources(t *testing.T) []goldenResource {
	t.Helper()
	files, err := filepath.Glob("../../test/testdata/*.golden.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("golden synth documents: got %d files (err %v); want the shipped stacks' documents", len(files), err)
	}
	var all []goldenResource
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Resources []goldenResource `json:"resources"`
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		all = append(all, doc.Resources...)
	}
	return all
}

func TestReplaceTableCoversGoldenTypes(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range goldenResources(t) {
		if seen[r.Type] {
			continue
		}
		seen[r.Type] = true
		replace, known := forcesReplacement(r.Type, "name")
		if !known {
			t.Errorf("forcesReplacement(%q, \"name\"): got known=false; want an entry for every type the shipped stacks emit", r.Type)
		}
		_, inTable := replaceTable[r.Type]
		if !r.Custom && (inTable || replace) {
			t.Errorf("component %s: got inTable=%v replace=%v; want a component never replaced and not in the table", r.Type, inTable, replace)
		}
		if r.Custom && !inTable {
			t.Errorf("custom resource %s: got no table entry; want one", r.Type)
		}
	}
}

func TestForcesReplacement(t *testing.T) {
	tests := []struct {
		typ, path     string
		replace, know bool
	}{
		{"aws:dynamodb/table:Table", "hashKey", true, true},
		{"aws:dynamodb/table:Table", "rangeKey", true, true},
		{"aws:dynamodb/table:Table", "billingMode", false, true},
		{"aws:dynamodb/table:Table", "globalSecondaryIndexes[0].hashKey", false, true},
		// Nested under a ForceNew block: the whole table is replaced.
		{"aws:dynamodb/table:Table", "localSecondaryIndexes[1].projectionType", true, true},
		{"aws:dynamodb/table:Table", "localSecondaryIndexes", true, true},
		{"aws:dynamodb/table:Table", "importTable.s3BucketSource.bucket", true, true},
		{"aws:dynamodb/table:Table", "importTable.inputFormat", false, true},
		// The whole importTable added brings s3BucketSource with it.
		{"aws:dynamodb/table:Table", "importTable", true, true},
		{"aws:dynamodb/table:Table", `tags["kumo:stack"]`, false, true},
		{"aws:lambda/function:Function", "memorySize", false, true},
		{"aws:lambda/function:Function", "packageType", true, true},
		{"aws:lambda/function:Function", "name", true, true},
		{"aws:lambda/function:Function", "vpcConfig.subnetIds[0]", false, true},
		{"aws:lambda/function:Function", "environment.variables.TABLE", false, true},
		{"aws:s3/bucketV2:BucketV2", "bucket", true, true},
		{"aws:s3/bucketV2:BucketV2", "objectLockConfiguration.objectLockEnabled", true, true},
		{"aws:s3/bucketV2:BucketV2", "forceDestroy", false, true},
		{"aws:sqs/queue:Queue", "fifoQueue", true, true},
		{"aws:sqs/queue:Queue", "visibilityTimeoutSeconds", false, true},
		{"aws:sns/topic:Topic", "fifoTopic", true, true},
		{"aws:apigateway/deployment:Deployment", `variables["stage"]`, true, true},
		{"aws:apigateway/deployment:Deployment", "description", false, true},
		// Adding or removing VPC options replaces a domain; moving subnets does not.
		{"aws:opensearch/domain:Domain", "vpcOptions", true, true},
		{"aws:opensearch/domain:Domain", "vpcOptions.subnetIds[0]", false, true},
		{"aws:opensearch/domain:Domain", "encryptAtRest.kmsKeyId", true, true},
		{"aws:opensearch/domain:Domain", "clusterConfig.instanceType", false, true},
		{"aws:cognito/userPool:UserPool", "usernameConfiguration.caseSensitive", true, true},
		{"aws:cognito/userPool:UserPool", "passwordPolicy.minimumLength", false, true},
		{"aws:cognito/userPool:UserPool", "name", true, true},
		{"aws:cognito/userPool:UserPool", "aliasAttributes[0]", true, true},
		// federated_database has no ForceNew in the provider schema.
		{"aws:glue/catalogDatabase:CatalogDatabase", "federatedDatabase.identifier", false, true},
		{"aws:glue/catalogDatabase:CatalogDatabase", "name", true, true},
		// Without values a conditional rule may replace.
		{"aws:opensearch/domain:Domain", "encryptAtRest.enabled", true, true},
		{"aws:opensearch/domain:Domain", "vpcOptions.securityGroupIds[1]", false, true},
		{"aws:opensearch/domain:Domain", "engineVersion", false, true},
		{"aws:apigateway/authorizer:Authorizer", "type", true, true},
		{"aws:apigateway/authorizer:Authorizer", "name", false, true},
		{"aws:kms/key:Key", "keyUsage", true, true},
		{"aws:kms/key:Key", "enableKeyRotation", false, true},
		{"aws:iam/role:Role", "path", true, true},
		{"aws:iam/role:Role", "assumeRolePolicy", false, true},
		{"aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream", "kinesisSourceConfiguration.roleArn", true, true},
		{"aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream", "extendedS3Configuration.bufferingInterval", false, true},
		{"kumo:index:Release", "aliasName", true, true},
		{"kumo:index:Release", "fingerprint", false, true},
		// An input the table does not name is an in-place update.
		{"aws:kinesis/stream:Stream", "shardCount", false, true},
		{"aws:kinesis/stream:Stream", "", false, true},
		{"kumo:constructs:Table", "hashKey", false, true},
		{"kumo:patterns:WebApp", "anything", false, true},
		{"aws:ec2/instance:Instance", "ami", false, false},
		{"", "name", false, false},
	}
	for _, tt := range tests {
		replace, known := forcesReplacement(tt.typ, tt.path)
		if replace != tt.replace || known != tt.know {
			t.Errorf("forcesReplacement(%q, %q): got (%v, %v); want (%v, %v)", tt.typ, tt.path, replace, known, tt.replace, tt.know)
		}
	}
}

func TestChangeForcesReplacement(t *testing.T) {
	const (
		domain     = "aws:opensearch/domain:Domain"
		authorizer = "aws:apigateway/authorizer:Authorizer"
	)
	tests := []struct {
		typ, path     string
		old, new      any
		replace, know bool
	}{
		// ForceNewIf old && !new: switching encryption off replaces, on does not.
		{domain, "encryptAtRest.enabled", true, false, true, true},
		{domain, "encryptAtRest.enabled", false, true, false, true},
		{domain, "nodeToNodeEncryption.enabled", true, false, true, true},
		{domain, "advancedSecurityOptions.enabled", true, false, true, true},
		{domain, "advancedSecurityOptions.enabled", false, true, false, true},
		{domain, "encryptAtRest.enabled", true, Unknown, true, true},
		// The whole block compared: the rule reads its switch inside.
		{domain, "nodeToNodeEncryption", map[string]any{"enabled": true}, map[string]any{"enabled": false}, true, true},
		{domain, "nodeToNodeEncryption", nil, map[string]any{"enabled": true}, false, true},
		// Dropped from the program, the optional-computed switch stays on.
		{domain, "nodeToNodeEncryption", map[string]any{"enabled": true}, nil, false, true},
		{domain, "nodeToNodeEncryption", map[string]any{"enabled": true}, Unknown, true, true},
		// encryptAtRest as a whole holds the ForceNew kmsKeyId: replaced either way.
		{domain, "encryptAtRest", nil, map[string]any{"enabled": true}, true, true},
		// Unconditional rules hold whatever the values.
		{domain, "encryptAtRest.kmsKeyId", "k1", "k2", true, true},
		{domain, "clusterConfig.instanceCount", 1.0, 2.0, false, true},
		// To or from COGNITO_USER_POOLS replaces; TOKEN to REQUEST is patched.
		{authorizer, "type", "COGNITO_USER_POOLS", "TOKEN", true, true},
		{authorizer, "type", "REQUEST", "COGNITO_USER_POOLS", true, true},
		{authorizer, "type", "TOKEN", "REQUEST", false, true},
		{authorizer, "type", "COGNITO_USER_POOLS", Unknown, true, true},
		{authorizer, "restApi", "a", "b", true, true},
		{authorizer, "providerArns[0]", "p1", "p2", false, true},
		// SSM refuses to move a parameter from Advanced to Standard in
		// place; every other tier change is a PutParameter.
		{"aws:ssm/parameter:Parameter", "tier", "Advanced", "Standard", true, true},
		{"aws:ssm/parameter:Parameter", "tier", "Standard", "Advanced", false, true},
		{"aws:ssm/parameter:Parameter", "tier", "Standard", "Intelligent-Tiering", false, true},
		{"aws:ssm/parameter:Parameter", "tier", "Advanced", Unknown, true, true},
		{"aws:ssm/parameter:Parameter", "insecureValue", "a", "b", false, true},
		{"aws:ssm/parameter:Parameter", "type", "String", "StringList", false, true},
		{"aws:ssm/parameter:Parameter", "name", "/a", "/b", true, true},
		{"aws:dynamodb/table:Table", "hashKey", "id", "pk", true, true},
		{"kumo:constructs:Table", "hashKey", "id", "pk", false, true},
		{"aws:ec2/instance:Instance", "ami", "a", "b", false, false},
	}
	for _, tt := range tests {
		replace, known := changeForcesReplacement(tt.typ, tt.path, tt.old, tt.new)
		if replace != tt.replace || known != tt.know {
			t.Errorf("changeForcesReplacement(%q, %q, %v, %v): got (%v, %v); want (%v, %v)",
				tt.typ, tt.path, tt.old, tt.new, replace, known, tt.replace, tt.know)
		}
	}
}

// TestReplaceTableCitesItsSource holds every entry to the brief's rule:
// the file read and its version, or an honest "unverified".
func TestReplaceTableCitesItsSource(t *testing.T) {
	rev := regexp.MustCompile(`\.go (@[0-9a-f]{8} \(v[456]|v5 copy|v5 \(read by|unverified: )`)
	for _, typ := range KnownTypes() {
		src := replaceTable[typ].source
		if strings.HasPrefix(typ, "kumo:") {
			continue
		}
		if !rev.MatchString(src) {
			t.Errorf("%s: source %q; want the file plus a commit, a v5 copy, or \"unverified: \"", typ, src)
		}
	}
}

func TestNormalizePath(t *testing.T) {
	tests := []struct{ in, want string }{
		{"hashKey", "hashKey"},
		{"vpcConfig.subnetIds[0]", "vpcConfig.subnetIds"},
		{`tags["x"]`, "tags"},
		{`tags["a.b]c"].d`, "tags.d"},
		{`m["q\"]"]`, "m"},
		{"rules[0].filter.prefix", "rules.filter.prefix"},
		{"[0]", ""},
	}
	for _, tt := range tests {
		if got := normalizePath(tt.in); got != tt.want {
			t.Errorf("normalizePath(%q): got %q; want %q", tt.in, got, tt.want)
		}
	}
}

func TestReplacePropertiesAndKnownTypes(t *testing.T) {
	got, known := ReplaceProperties("aws:dynamodb/table:Table")
	want := []string{"hashKey", "importTable.s3BucketSource", "localSecondaryIndexes", "name", "rangeKey",
		"restoreDateTime", "restoreSourceName", "restoreSourceTableArn", "restoreToLatestTime"}
	if !known || !reflect.DeepEqual(got, want) {
		t.Errorf("ReplaceProperties(table): got %v, %v; want %v, true", got, known, want)
	}
	wantDomain := []string{"advancedSecurityOptions.enabled", "domainName", "encryptAtRest.enabled", "encryptAtRest.kmsKeyId",
		"nodeToNodeEncryption.enabled", "vpcOptions"}
	if got, _ := ReplaceProperties("aws:opensearch/domain:Domain"); !reflect.DeepEqual(got, wantDomain) {
		t.Errorf("ReplaceProperties(domain): got %v; want %v (whole-block and conditional paths merged in sorted)", got, wantDomain)
	}
	if got, known := ReplaceProperties("aws:ec2/instance:Instance"); known || got != nil {
		t.Errorf("ReplaceProperties(unknown): got %v, %v; want nil, false", got, known)
	}
	if got, known := ReplaceProperties("kumo:constructs:Bucket"); !known || len(got) != 0 {
		t.Errorf("ReplaceProperties(component): got %v, %v; want none, true", got, known)
	}
	types := KnownTypes()
	if !sort.StringsAreSorted(types) || len(types) != len(replaceTable) {
		t.Errorf("KnownTypes: got %d types, sorted=%v; want all %d sorted", len(types), sort.StringsAreSorted(types), len(replaceTable))
	}
	for _, typ := range types {
		props, _ := ReplaceProperties(typ)
		if !sort.StringsAreSorted(props) {
			t.Errorf("ReplaceProperties(%s): got %v; want sorted", typ, props)
		}
	}
}

func TestDeleteBeforeReplace(t *testing.T) {
	tests := []struct {
		name   string
		typ    string
		inputs map[string]any
		want   bool
	}{
		{"table named by the program", "aws:dynamodb/table:Table", map[string]any{"name": "orders", "hashKey": "id"}, true},
		{"table autonamed (synth: no name input)", "aws:dynamodb/table:Table", map[string]any{"hashKey": "id"}, false},
		{"table autonamed (preview: name listed in __defaults)", "aws:dynamodb/table:Table",
			map[string]any{"name": "orders-1a2b3c4", "__defaults": []any{"name", "billingMode"}}, false},
		{"table named, __defaults without name", "aws:dynamodb/table:Table",
			map[string]any{"name": "orders", "__defaults": []any{"billingMode"}}, true},
		{"name unknown until deploy is still the program's", "aws:dynamodb/table:Table", map[string]any{"name": Unknown}, true},
		{"empty name is unset", "aws:dynamodb/table:Table", map[string]any{"name": ""}, false},
		{"queue with a namePrefix gets a unique name", "aws:sqs/queue:Queue", map[string]any{"namePrefix": "jobs-"}, false},
		{"bucket named by the program", "aws:s3/bucketV2:BucketV2", map[string]any{"bucket": "my-site"}, true},
		{"bucket with bucketPrefix", "aws:s3/bucketV2:BucketV2", map[string]any{"bucketPrefix": "site-"}, false},
		{"domain named by the construct", "aws:opensearch/domain:Domain", map[string]any{"domainName": "lake-search-prod-95ca18"}, true},
		// A bucket's policy is keyed by the bucket, which it does not name.
		{"bucket policy has no physical name", "aws:s3/bucketPolicy:BucketPolicy", map[string]any{"bucket": "my-site"}, false},
		{"deployment group name is not autonamed", "aws:codedeploy/deploymentGroup:DeploymentGroup",
			map[string]any{"deploymentGroupName": "orders"}, false},
		{"release", "kumo:index:Release", map[string]any{"functionName": "f-1a2b3c4", "aliasName": "live"}, false},
		{"unknown type", "aws:ec2/instance:Instance", map[string]any{"name": "x"}, false},
		{"no inputs", "aws:dynamodb/table:Table", nil, false},
	}
	for _, tt := range tests {
		if got := deleteBeforeReplace(tt.typ, tt.inputs); got != tt.want {
			t.Errorf("%s: deleteBeforeReplace(%s, %v): got %v; want %v", tt.name, tt.typ, tt.inputs, got, tt.want)
		}
	}
}

// TestDeleteBeforeReplaceOnGolden checks the synth-document reading of
// explicit names against kumo's own stacks: tables are autonamed, the
// Glue crawler's log group is named by its construct — with a suffix that
// looks like an autoname but is not one.
func TestDeleteBeforeReplaceOnGolden(t *testing.T) {
	var tables, crawlerLogs int
	for _, r := range goldenResources(t) {
		switch {
		case r.Type == "aws:dynamodb/table:Table":
			tables++
			if deleteBeforeReplace(r.Type, r.Inputs) {
				t.Errorf("table %s: got deleteBeforeReplace=true; want false (no name input: autonamed)", r.Name)
			}
		case r.Type == "aws:cloudwatch/logGroup:LogGroup" && strings.HasPrefix(stringInput(r.Inputs, "name"), "/aws-glue/crawlers-role/"):
			crawlerLogs++
			if !deleteBeforeReplace(r.Type, r.Inputs) {
				t.Errorf("log group %s named %q: got deleteBeforeReplace=false; want true (the construct set the name)", r.Name, r.Inputs["name"])
			}
		}
	}
	if tables == 0 || crawlerLogs == 0 {
		t.Fatalf("golden documents: got %d tables and %d crawler log groups; want both present", tables, crawlerLogs)
	}
}

func stringInput(in map[string]any, k string) string {
	s, _ := in[k].(string)
	return s
}

// forcesNewDoc is how pulumi-aws doc comments (carried over from the
// Terraform docs) say an argument replaces the resource.
var forcesNewDoc = regexp.MustCompile(`(?i)forces? (a )?new resource|forces a new|recreat`)

// docExceptions are arguments whose doc comment matches forcesNewDoc but
// whose change does not replace the resource.
var docExceptions = map[string]string{
	"aws:opensearch/domain:Domain.advancedOptions": "the doc warns that non-string values cause a perpetual diff; the argument updates in place",
	"aws:cognito/userPool:UserPool.smsConfiguration": "the doc says Cognito cannot remove SMS settings without recreating the pool; " +
		"the provider does not replace for it (no ForceNew), the update fails instead",
}

// sdkArgs is one pulumi-aws resource's top-level inputs and their doc comments.
type sdkArgs map[string]string

// readSDKArgs parses the Go SDK file of typ ("aws:dynamodb/table:Table" →
// go/aws/dynamodb/table.go) and returns the fields of its tableArgs struct.
func readSDKArgs(t *testing.T, root, typ string) sdkArgs {
	t.Helper()
	mod, rest, _ := strings.Cut(strings.TrimPrefix(typ, "aws:"), "/")
	file, name, _ := strings.Cut(rest, ":")
	path := filepath.Join(root, "go", "aws", mod, file+".go")
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ParseComments)
	if err != nil {
		t.Fatalf("%s: %v", typ, err)
	}
	want := strings.ToLower(name[:1]) + name[1:] + "Args"
	args := sdkArgs{}
	ast.Inspect(f, func(n ast.Node) bool {
		ts, ok := n.(*ast.TypeSpec)
		if !ok || ts.Name.Name != want {
			return true
		}
		for _, fld := range ts.Type.(*ast.StructType).Fields.List {
			if fld.Tag == nil {
				continue
			}
			tag, _ := strconv.Unquote(fld.Tag.Value)
			prop := reflect.StructTag(tag).Get("pulumi")
			args[prop] = fld.Doc.Text()
		}
		return false
	})
	if len(args) == 0 {
		t.Fatalf("%s: found no %s struct in %s", typ, want, path)
	}
	return args
}

// TestReplaceTableMatchesSDK holds the table to the pulumi-aws Go SDK kumo
// builds with: every property the table names is an input of the type, and
// every input whose doc says it forces a new resource is in the table.
func TestReplaceTableMatchesSDK(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/pulumi/pulumi-aws/sdk/v6").Output()
	root := strings.TrimSpace(string(out))
	if err != nil || root == "" {
		t.Skipf("pulumi-aws SDK not in the module cache (go list -m: %v); run go mod download to check the table against its docs", err)
	}
	if _, err := os.Stat(filepath.Join(root, "go", "aws")); err != nil {
		t.Skipf("pulumi-aws SDK source not at %s: %v", root, err)
	}
	for _, typ := range KnownTypes() {
		if !strings.HasPrefix(typ, "aws:") {
			continue
		}
		args := readSDKArgs(t, root, typ)
		e := replaceTable[typ]
		for _, group := range [][]string{e.replace, e.whole, e.autoname} {
			for _, p := range group {
				top, _, _ := strings.Cut(p, ".")
				if _, ok := args[top]; !ok {
					t.Errorf("%s: table names %q; got no input %q in the SDK; want a pulumi-aws input name", typ, p, top)
				}
			}
		}
		// An autoname alone is not a replace rule: only these count, a
		// conditional one included (the doc of an SSM parameter's tier says
		// a downgrade recreates it).
		inTable := map[string]bool{}
		paths := append(append([]string{}, e.replace...), e.whole...)
		for _, c := range e.cond {
			paths = append(paths, c.path)
		}
		for _, p := range paths {
			top, _, _ := strings.Cut(p, ".")
			inTable[top] = true
		}
		for prop, doc := range args {
			if !forcesNewDoc.MatchString(doc) || inTable[prop] {
				continue
			}
			if _, ok := docExceptions[typ+"."+prop]; ok {
				continue
			}
			t.Errorf("%s.%s: doc says %q; got it not in the replace table; want it there or in docExceptions with a reason",
				typ, prop, strings.TrimSpace(doc))
		}
	}
	for k := range docExceptions {
		typ, prop, _ := strings.Cut(k, ".")
		if _, ok := replaceTable[typ]; !ok {
			t.Errorf("docExceptions %s: got no table entry for %s; want exceptions only for known types", k, typ)
			continue
		}
		if args := readSDKArgs(t, root, typ); !forcesNewDoc.MatchString(args[prop]) {
			t.Errorf("docExceptions %s: got doc %q that no longer matches; want the exception dropped", k, args[prop])
		}
	}
}
