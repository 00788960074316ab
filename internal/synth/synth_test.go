package synth

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/rand"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/go-multierror"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/dynamodb"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lambda"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sqs"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"

	"github.com/kumo-iac/kumo/constructs"
)

// writeProject creates a project directory from file name → content.
func writeProject(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func demoProject(t *testing.T) string {
	return writeProject(t, map[string]string{
		"Pulumi.yaml":     "name: shop\nruntime: go\n",
		"Pulumi.dev.yaml": "config:\n  aws:region: eu-west-1\n  shop:memory: 256\n",
		"build/api.zip":   "zip bytes",
	})
}

type apiComponent struct {
	pulumi.ResourceState
}

// demoProgram registers a component with a role and a function under it,
// plus a table outside it, the shape of a typical kumo pattern.
// demoTrust is a trust policy IAM accepts (the reality layer checks it).
const demoTrust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

func demoProgram(ctx *pulumi.Context, raw map[string]string) (pulumi.Map, error) {
	var comp apiComponent
	if err := ctx.RegisterComponentResource("kumo:test:Api", "api", &comp); err != nil {
		return nil, err
	}
	role, err := iam.NewRole(ctx, "api-role", &iam.RoleArgs{
		AssumeRolePolicy: pulumi.String(demoTrust),
	}, pulumi.Parent(&comp))
	if err != nil {
		return nil, err
	}
	fn, err := lambda.NewFunction(ctx, "api", &lambda.FunctionArgs{
		Role:       role.Arn,
		Runtime:    pulumi.String("provided.al2023"),
		Handler:    pulumi.String("bootstrap"),
		MemorySize: pulumi.Int(128),
		Publish:    pulumi.Bool(true),
		Code:       pulumi.NewFileArchive("build/api.zip"),
		Environment: &lambda.FunctionEnvironmentArgs{
			Variables: pulumi.StringMap{
				"TOKEN": pulumi.ToSecret(pulumi.String("hunter2")).(pulumi.StringOutput),
				"STAGE": pulumi.String("dev"),
			},
		},
	}, pulumi.Parent(&comp))
	if err != nil {
		return nil, err
	}
	table, err := dynamodb.NewTable(ctx, "items", &dynamodb.TableArgs{
		Name:           pulumi.String("shop-items"),
		HashKey:        pulumi.String("pk"),
		StreamEnabled:  pulumi.Bool(true),
		StreamViewType: pulumi.String("NEW_IMAGE"),
		Attributes: dynamodb.TableAttributeArray{
			dynamodb.TableAttributeArgs{Name: pulumi.String("pk"), Type: pulumi.String("S")},
		},
	})
	if err != nil {
		return nil, err
	}
	if err := ctx.RegisterResourceOutputs(&comp, pulumi.Map{}); err != nil {
		return nil, err
	}
	return pulumi.Map{
		"functionArn": fn.Arn,
		"aliasUrl":    pulumi.Sprintf("%s/live", fn.QualifiedArn),
		"tableStream": table.StreamArn,
		"memory":      pulumi.String(raw["shop:memory"]),
		"token":       pulumi.ToSecret(pulumi.String("s3cr3t")),
		"sizes":       pulumi.IntArray{pulumi.Int(1), pulumi.Int(2)},
	}, nil
}

func findResource(t *testing.T, res *Result, typ, name string) Resource {
	t.Helper()
	for _, r := range res.Resources {
		if r.Type == typ && r.Name == name {
			return r
		}
	}
	t.Fatalf("no resource %s %q in result", typ, name)
	return Resource{}
}

func TestRunRecordsResourcesAndOutputs(t *testing.T) {
	root := demoProject(t)
	res, err := Run(context.Background(), Request{Root: root, Stack: "dev"}, demoProgram)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(res.Resources), 4; got != want {
		t.Fatalf("len(Resources) = %d; want %d: %+v", got, want, res.Resources)
	}
	if res.Project != "shop" || res.Stack != "dev" {
		t.Errorf("project/stack = %q/%q; want shop/dev", res.Project, res.Stack)
	}

	comp := findResource(t, res, "kumo:test:Api", "api")
	if comp.Custom || comp.Parent != "" {
		t.Errorf("component custom=%v parent=%q; want false and \"\"", comp.Custom, comp.Parent)
	}
	if want := "urn:pulumi:dev::shop::kumo:test:Api::api"; comp.URN != want {
		t.Errorf("component URN = %q; want %q", comp.URN, want)
	}
	role := findResource(t, res, "aws:iam/role:Role", "api-role")
	fn := findResource(t, res, "aws:lambda/function:Function", "api")
	if want := "urn:pulumi:dev::shop::kumo:test:Api$aws:lambda/function:Function::api"; fn.URN != want {
		t.Errorf("function URN = %q; want %q", fn.URN, want)
	}
	if !fn.Custom || fn.Parent != comp.URN {
		t.Errorf("function custom=%v parent=%q; want true and %q", fn.Custom, fn.Parent, comp.URN)
	}
	if !reflect.DeepEqual(fn.Dependencies, []string{role.URN}) {
		t.Errorf("function dependencies = %v; want [%s]", fn.Dependencies, role.URN)
	}
	roleArn, _ := fn.Inputs["role"].(string)
	if !strings.HasPrefix(roleArn, "arn:aws:iam::123456789012:role/api-role-") || len(roleArn) != len("arn:aws:iam::123456789012:role/api-role-")+7 {
		t.Errorf("function role input = %q; want the mock role ARN with an autoname", roleArn)
	}
	if got := fn.Inputs["memorySize"]; got != int64(128) {
		t.Errorf("memorySize input = %#v; want int64(128)", got)
	}
	env := fn.Inputs["environment"].(map[string]any)["variables"].(map[string]any)
	if env["TOKEN"] != "[secret]" || env["STAGE"] != "dev" {
		t.Errorf("environment variables = %v; want TOKEN [secret] and STAGE dev", env)
	}
	sum := sha256.Sum256([]byte("zip bytes"))
	wantCode := map[string]any{"archive": map[string]any{"path": "build/api.zip", "sha256": hex.EncodeToString(sum[:])}}
	if !reflect.DeepEqual(fn.Inputs["code"], wantCode) {
		t.Errorf("code input = %v; want %v", fn.Inputs["code"], wantCode)
	}

	fnName := strings.TrimPrefix(res.Outputs["functionArn"].(string), "arn:aws:lambda:eu-west-1:123456789012:function:")
	if !strings.HasPrefix(fnName, "api-") || len(fnName) != len("api-")+7 {
		t.Errorf("functionArn output = %v; want an eu-west-1 function ARN with an autoname", res.Outputs["functionArn"])
	}
	wantOutputs := map[string]any{
		"functionArn": res.Outputs["functionArn"],
		"aliasUrl":    res.Outputs["functionArn"].(string) + ":1/live",
		"tableStream": "arn:aws:dynamodb:eu-west-1:123456789012:table/shop-items/stream/2026-01-01T00:00:00.000",
		"memory":      "256",
		"token":       "[secret]",
		"sizes":       []any{int64(1), int64(2)},
	}
	if !reflect.DeepEqual(res.Outputs, wantOutputs) {
		t.Errorf("outputs = %#v; want %#v", res.Outputs, wantOutputs)
	}
}

func TestRunReturnsValidationError(t *testing.T) {
	root := demoProject(t)
	verr := &constructs.ValidationError{Scope: "stack config", Problems: []error{errors.New("memory: must be at least 128")}}
	_, err := Run(context.Background(), Request{Root: root, Stack: "dev"},
		func(ctx *pulumi.Context, raw map[string]string) (pulumi.Map, error) { return nil, verr })
	var got *constructs.ValidationError
	if !errors.As(err, &got) || got != verr {
		t.Fatalf("errors.As(%v, *ValidationError) found %v; want the program's error", err, got)
	}
	if strings.Contains(err.Error(), "error occurred") {
		t.Errorf("error = %q; want no multierror framing", err)
	}
}

// The SDK collects program errors in a go-multierror; errors.As must see
// through it for any caller that uses pulumi.RunErr directly.
func TestMultierrorSupportsErrorsAs(t *testing.T) {
	verr := &constructs.ValidationError{Scope: "x"}
	err := multierror.Append(nil, fmt.Errorf("wrapped: %w", verr))
	var got *constructs.ValidationError
	if !errors.As(err, &got) || got != verr {
		t.Fatalf("errors.As through multierror found %v; want %v", got, verr)
	}
	if got := flatten(err); got != err.Errors[0] {
		t.Errorf("flatten(%q) = %q; want the single wrapped error", err, got)
	}
}

func TestRunIgnoresPulumiEnvironment(t *testing.T) {
	for k, v := range map[string]string{
		"PULUMI_CONFIG":             `{"aws:region":"ap-south-1","shop:memory":"9999"}`,
		"PULUMI_CONFIG_SECRET_KEYS": `["shop:memory"]`,
		"PULUMI_STACK":              "prod",
		"PULUMI_PROJECT":            "other",
		"PULUMI_ORGANIZATION":       "acme",
		"PULUMI_PLUGINS":            "true",
		"PULUMI_DRY_RUN":            "true",
		"PULUMI_MONITOR":            "127.0.0.1:1",
		"PULUMI_ENGINE":             "127.0.0.1:1",
	} {
		t.Setenv(k, v)
	}
	root := demoProject(t)
	var seen []string
	_, err := Run(context.Background(), Request{Root: root, Stack: "dev"},
		func(ctx *pulumi.Context, raw map[string]string) (pulumi.Map, error) {
			seen = []string{ctx.Project(), ctx.Stack(), config.Get(ctx, "aws:region"), config.Get(ctx, "shop:memory"),
				fmt.Sprint(ctx.DryRun()), fmt.Sprint(ctx.IsConfigSecret("shop:memory"))}
			return nil, nil
		})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"shop", "dev", "eu-west-1", "256", "false", "false"}
	if !reflect.DeepEqual(seen, want) {
		t.Errorf("program saw %q; want %q", seen, want)
	}
}

func TestRunInvokes(t *testing.T) {
	root := demoProject(t)
	_, err := Run(context.Background(), Request{Root: root, Stack: "dev"},
		func(ctx *pulumi.Context, raw map[string]string) (pulumi.Map, error) {
			id, err := aws.GetCallerIdentity(ctx, nil)
			if err != nil {
				return nil, err
			}
			region, err := aws.GetRegion(ctx, nil)
			if err != nil {
				return nil, err
			}
			part, err := aws.GetPartition(ctx, nil)
			if err != nil {
				return nil, err
			}
			if id.AccountId != "123456789012" || region.Name != "eu-west-1" || part.Partition != "aws" || part.DnsSuffix != "amazonaws.com" {
				return nil, fmt.Errorf("got account %q region %q partition %q suffix %q", id.AccountId, region.Name, part.Partition, part.DnsSuffix)
			}
			return nil, nil
		})
	if err != nil {
		t.Fatal(err)
	}

	_, err = Run(context.Background(), Request{Root: root, Stack: "dev"},
		func(ctx *pulumi.Context, raw map[string]string) (pulumi.Map, error) {
			_, err := aws.GetAvailabilityZones(ctx, nil)
			return nil, err
		})
	if want := "kumo synth has no offline answer for invoke aws:index/getAvailabilityZones:getAvailabilityZones"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("unknown invoke error = %v; want it to contain %q", err, want)
	}
}

// shuffledProgram registers the same resources from several goroutines in an
// order that depends on seed, so a run's output cannot rely on timing.
func shuffledProgram(seed int64) Program {
	return func(ctx *pulumi.Context, raw map[string]string) (pulumi.Map, error) {
		order := rand.New(rand.NewSource(seed)).Perm(12)
		var (
			wg   sync.WaitGroup
			mu   sync.Mutex
			errs error
			arns = pulumi.StringArray{}
		)
		queues := make([]*sqs.Queue, 12)
		for _, i := range order {
			wg.Add(1)
			go func() {
				defer wg.Done()
				q, err := sqs.NewQueue(ctx, fmt.Sprintf("q%02d", i), &sqs.QueueArgs{
					Tags: pulumi.StringMap{"index": pulumi.String(fmt.Sprint(i))},
				})
				mu.Lock()
				defer mu.Unlock()
				errs = errors.Join(errs, err)
				queues[i] = q
			}()
		}
		wg.Wait()
		if errs != nil {
			return nil, errs
		}
		for _, q := range queues {
			arns = append(arns, q.Arn)
		}
		if _, err := sqs.NewQueue(ctx, "dlq-consumer", &sqs.QueueArgs{
			Policy: pulumi.Sprintf("%v", queues[3].Url),
		}, pulumi.DependsOn([]pulumi.Resource{queues[5], queues[1], queues[5]})); err != nil {
			return nil, err
		}
		return pulumi.Map{"arns": arns}, nil
	}
}

func TestRunIsDeterministic(t *testing.T) {
	root := demoProject(t)
	var first []byte
	for seed := int64(1); seed <= 4; seed++ {
		res, err := Run(context.Background(), Request{Root: root, Stack: "dev"}, shuffledProgram(seed))
		if err != nil {
			t.Fatal(err)
		}
		got, err := res.JSON()
		if err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = got
			continue
		}
		if !bytes.Equal(got, first) {
			t.Fatalf("run with seed %d differs from the first run:\n%s\nvs\n%s", seed, got, first)
		}
	}
	var doc struct {
		Resources []struct {
			Name         string   `json:"name"`
			Dependencies []string `json:"dependencies"`
		} `json:"resources"`
	}
	if err := json.Unmarshal(first, &doc); err != nil {
		t.Fatal(err)
	}
	last := doc.Resources[0]
	want := []string{"urn:pulumi:dev::shop::aws:sqs/queue:Queue::q01", "urn:pulumi:dev::shop::aws:sqs/queue:Queue::q03",
		"urn:pulumi:dev::shop::aws:sqs/queue:Queue::q05"}
	if last.Name != "dlq-consumer" || !reflect.DeepEqual(last.Dependencies, want) {
		t.Errorf("first resource %q dependencies = %v; want dlq-consumer with %v", last.Name, last.Dependencies, want)
	}
}

func TestJSONContractShape(t *testing.T) {
	root := demoProject(t)
	res, err := Run(context.Background(), Request{Root: root, Stack: "dev"}, demoProgram)
	if err != nil {
		t.Fatal(err)
	}
	b, err := res.JSON()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasSuffix(b, []byte("}\n")) || !bytes.HasPrefix(b, []byte("{\n  \"project\": \"shop\",\n  \"stack\": \"dev\",\n")) {
		t.Errorf("JSON framing wrong:\n%s", b)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if got, want := slices.Sorted(maps.Keys(doc)), []string{"outputs", "project", "region", "resources", "stack"}; !reflect.DeepEqual(got, want) {
		t.Errorf("top-level keys = %v; want %v", got, want)
	}
	if got := string(doc["region"]); got != `"eu-west-1"` {
		t.Errorf("region = %s; want the stack's aws:region \"eu-west-1\"", got)
	}
	var resources []map[string]json.RawMessage
	if err := json.Unmarshal(doc["resources"], &resources); err != nil {
		t.Fatal(err)
	}
	prev := ""
	for _, r := range resources {
		if got, want := slices.Sorted(maps.Keys(r)), []string{"custom", "dependencies", "inputs", "name", "parent", "type", "urn"}; !reflect.DeepEqual(got, want) {
			t.Errorf("resource keys = %v; want %v", got, want)
		}
		if d := string(r["dependencies"]); !strings.HasPrefix(d, "[") {
			t.Errorf("dependencies = %s; want an array", d)
		}
		if in := string(r["inputs"]); !strings.HasPrefix(in, "{") {
			t.Errorf("inputs = %s; want an object", in)
		}
		var urn string
		_ = json.Unmarshal(r["urn"], &urn)
		if urn <= prev {
			t.Errorf("resource %s not sorted after %s", urn, prev)
		}
		prev = urn
	}

	empty, err := (&Result{Project: "p", Stack: "s", Resources: []Resource{{URN: "u", Type: "t", Name: "n"}}}).JSON()
	if err != nil {
		t.Fatal(err)
	}
	want := `{
  "project": "p",
  "stack": "s",
  "resources": [
    {
      "urn": "u",
      "type": "t",
      "name": "n",
      "custom": false,
      "parent": "",
      "inputs": {},
      "dependencies": []
    }
  ],
  "outputs": {}
}
`
	if string(empty) != want {
		t.Errorf("JSON of a bare result =\n%s\nwant\n%s", empty, want)
	}
}

func TestWriteTree(t *testing.T) {
	res := &Result{
		Project: "shop", Stack: "dev",
		Resources: []Resource{
			{URN: "u:api", Type: "kumo:test:Api", Name: "api"},
			{URN: "u:fn", Type: "aws:lambda/function:Function", Name: "api", Custom: true, Parent: "u:api"},
			{URN: "u:role", Type: "aws:iam/role:Role", Name: "api-role", Custom: true, Parent: "u:api"},
			{URN: "u:log", Type: "aws:cloudwatch/logGroup:LogGroup", Name: "api-logs", Custom: true, Parent: "u:fn"},
			{URN: "u:table", Type: "aws:dynamodb/table:Table", Name: "items", Custom: true},
			{URN: "u:role2", Type: "aws:iam/role:Role", Name: "other", Custom: true},
		},
		Outputs: map[string]any{"url": "https://x", "sizes": []any{1, 2}, "token": "[secret]", "cfg": map[string]any{"a": "<b>"}},
	}
	var b bytes.Buffer
	if err := res.WriteTree(&b); err != nil {
		t.Fatal(err)
	}
	want := `stack dev (project shop): 6 resources
├─ aws:dynamodb/table:Table  items
├─ aws:iam/role:Role  other
└─ kumo:test:Api  api
   ├─ aws:iam/role:Role  api-role
   └─ aws:lambda/function:Function  api
      └─ aws:cloudwatch/logGroup:LogGroup  api-logs

Resources by type:
  aws:cloudwatch/logGroup:LogGroup  1
  aws:dynamodb/table:Table          1
  aws:iam/role:Role                 2
  aws:lambda/function:Function      1
  kumo:test:Api                     1

Outputs:
  cfg: {"a":"<b>"}
  sizes: [1,2]
  token: [secret]
  url: https://x
`
	if got := b.String(); got != want {
		t.Errorf("tree =\n%s\nwant\n%s", got, want)
	}
}

// TestAssetPathsInTheModuleCacheReadTheSameEverywhere: a dependency's file
// (a pattern's site from the kumo module) is shown as module@version/path,
// not as a path that climbs out of the project to this machine's cache.
func TestAssetPathsInTheModuleCacheReadTheSameEverywhere(t *testing.T) {
	cache := t.TempDir()
	t.Setenv("GOMODCACHE", cache)
	file := filepath.Join(cache, "github.com", "kumo-iac", "kumo@v1.2.3", "patterns", "webapp", "site", "index.html")
	r := renderer{root: t.TempDir()}
	if rel, abs := r.path(file); rel != "github.com/kumo-iac/kumo@v1.2.3/patterns/webapp/site/index.html" || abs != file {
		t.Errorf("path(%s) = %q, %q; want the module-cache-relative name", file, rel, abs)
	}
	if rel, _ := r.path("site/index.html"); rel != "site/index.html" {
		t.Errorf("a project file shows as %q; want site/index.html", rel)
	}
}
