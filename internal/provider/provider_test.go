package provider_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/blang/semver"
	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/infer"
	"github.com/pulumi/pulumi-go-provider/integration"
	presource "github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/property"

	"github.com/kumo-iac/kumo/internal/fakeaws"
	"github.com/kumo-iac/kumo/internal/provider"
	"github.com/kumo-iac/kumo/internal/rollout"
)

const releaseType = "kumo:index:Release"

var urn = presource.NewURN("test", "kumo", "", releaseType, "items")

// env points the AWS SDK at a fake with function "items" and nowhere else.
func env(t *testing.T) *fakeaws.Server {
	t.Helper()
	fake := fakeaws.New()
	endpoint := fake.Start()
	t.Cleanup(fake.Close)
	fake.SetFunction("items", "sha-1", "config-1")
	none := filepath.Join(t.TempDir(), "none")
	for k, v := range map[string]string{
		"AWS_ENDPOINT_URL":                    endpoint,
		"AWS_ACCESS_KEY_ID":                   "AKIDFAKE",
		"AWS_SECRET_ACCESS_KEY":               "secret",
		"AWS_SESSION_TOKEN":                   "",
		"AWS_REGION":                          "eu-west-1",
		"AWS_PROFILE":                         "",
		"AWS_CONFIG_FILE":                     none,
		"AWS_SHARED_CREDENTIALS_FILE":         none,
		"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "false",
		"AWS_ENDPOINT_URL_LAMBDA":             endpoint,
		"AWS_ENDPOINT_URL_CODEDEPLOY":         endpoint,
		provider.PollIntervalEnv:              "1ms",
	} {
		t.Setenv(k, v)
	}
	return fake
}

func server(t *testing.T) integration.Server {
	t.Helper()
	prov, err := provider.New()
	if err != nil {
		t.Fatal(err)
	}
	s, err := integration.NewServer(context.Background(), provider.Name, semver.MustParse(provider.Version),
		integration.WithProvider(prov))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// logBuffer collects what the provider logs: outside a Pulumi engine,
// pulumi-go-provider sends the log to slog's default logger.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func captureLog(t *testing.T) *logBuffer {
	t.Helper()
	buf := &logBuffer{}
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(buf, nil)))
	t.Cleanup(func() { slog.SetDefault(prev) })
	return buf
}

// args are the inputs of the release of "items" with fingerprint fp.
func args(fp string) property.Map {
	return property.NewMap(map[string]property.Value{
		"functionName":         property.New("items"),
		"fingerprint":          property.New(fp),
		"deploymentConfigName": property.New("Canary10Percent5Minutes"),
		"applicationName":      property.New("kumo-test"),
		"deploymentGroupName":  property.New("items"),
	})
}

func check(t *testing.T, s integration.Server, in property.Map) property.Map {
	t.Helper()
	resp, err := s.Check(p.CheckRequest{Urn: urn, Inputs: in})
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	if len(resp.Failures) > 0 {
		t.Fatalf("Check failures: %+v", resp.Failures)
	}
	return resp.Inputs
}

func create(t *testing.T, s integration.Server, fp string) p.CreateResponse {
	t.Helper()
	resp, err := s.Create(p.CreateRequest{Urn: urn, Properties: check(t, s, args(fp))})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	return resp
}

func update(s integration.Server, t *testing.T, id string, state property.Map, fp string, preview bool) (p.UpdateResponse, error) {
	t.Helper()
	return s.Update(p.UpdateRequest{ID: id, Urn: urn, State: state, Inputs: check(t, s, args(fp)), DryRun: preview})
}

// str renders a string or number property; anything else as %v.
func str(m property.Map, key string) string {
	switch v := m.Get(key); {
	case v.IsString():
		return v.AsString()
	case v.IsNumber():
		return strconv.FormatFloat(v.AsNumber(), 'f', -1, 64)
	default:
		return fmt.Sprintf("%v", v)
	}
}

func TestSchema(t *testing.T) {
	s := server(t)
	resp, err := s.GetSchema(p.GetSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var schema struct {
		Name      string
		Resources map[string]struct {
			Description     string
			InputProperties map[string]any
			RequiredInputs  []string
			Properties      map[string]any
		}
	}
	if err := json.Unmarshal([]byte(resp.Schema), &schema); err != nil {
		t.Fatal(err)
	}
	if schema.Name != "kumo" {
		t.Errorf("schema name = %q; want kumo", schema.Name)
	}
	res, ok := schema.Resources[releaseType]
	if !ok {
		t.Fatalf("schema resources = %v; want %s", reflect.ValueOf(schema.Resources).MapKeys(), releaseType)
	}
	keys := func(m map[string]any) []string {
		var out []string
		for k := range m {
			out = append(out, k)
		}
		sort.Strings(out)
		return out
	}
	wantInputs := []string{"aliasName", "applicationName", "aws", "deploymentConfigName", "deploymentGroupName", "fingerprint",
		"functionName", "postTrafficHook", "preTrafficHook", "region", "waitTimeoutSeconds"}
	if got := keys(res.InputProperties); !reflect.DeepEqual(got, wantInputs) {
		t.Errorf("input properties = %v; want %v", got, wantInputs)
	}
	wantOutputs := append([]string{"additionalVersionWeights", "aliasArn"}, wantInputs...)
	wantOutputs = append(wantOutputs, "lastDeploymentId", "publishedVersion", "version")
	sort.Strings(wantOutputs)
	if got := keys(res.Properties); !reflect.DeepEqual(got, wantOutputs) {
		t.Errorf("properties = %v; want %v", got, wantOutputs)
	}
	sort.Strings(res.RequiredInputs)
	if want := []string{"applicationName", "deploymentGroupName", "fingerprint", "functionName"}; !reflect.DeepEqual(res.RequiredInputs, want) {
		t.Errorf("required inputs = %v; want %v", res.RequiredInputs, want)
	}
	if !strings.Contains(res.Description, "CodeDeploy") {
		t.Errorf("description = %q; want it to explain the release", res.Description)
	}
}

func TestCheckAppliesDefaults(t *testing.T) {
	s := server(t)
	got := check(t, s, args("fp-1"))
	for prop, want := range map[string]string{
		"aliasName":            "live",
		"deploymentConfigName": "CodeDeployDefault.LambdaCanary10Percent5Minutes",
		"waitTimeoutSeconds":   "900",
	} {
		if g := str(got, prop); g != want {
			t.Errorf("checked %s = %s; want %s", prop, g, want)
		}
	}
}

func TestCheckReportsEveryProblem(t *testing.T) {
	s := server(t)
	for _, tc := range []struct {
		name string
		in   map[string]property.Value
		want []string // properties with a failure
	}{
		{"valid", map[string]property.Value{}, nil},
		{"function ARN instead of name", map[string]property.Value{
			"functionName": property.New("arn:aws:lambda:eu-west-1:123456789012:function:items"),
		}, []string{"functionName"}},
		{"several at once", map[string]property.Value{
			"aliasName":            property.New("7"),
			"deploymentConfigName": property.New("CodeDeployDefault.LambdaCanary50Percent"),
			"preTrafficHook":       property.New("items"),
			"region":               property.New("Ireland"),
		}, []string{"aliasName", "deploymentConfigName", "preTrafficHook", "region"}},
		{"required properties missing", map[string]property.Value{
			"fingerprint": property.New(property.Null), "applicationName": property.New(property.Null),
		}, []string{"applicationName", "fingerprint"}},
		{"unknown values are not checked in a preview", map[string]property.Value{
			"functionName": property.New(property.Computed), "fingerprint": property.New(property.Computed),
		}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := args("fp-1")
			for k, v := range tc.in {
				if v.IsNull() {
					in = in.Delete(k)
				} else {
					in = in.Set(k, v)
				}
			}
			resp, err := s.Check(p.CheckRequest{Urn: urn, Inputs: in})
			if err != nil {
				t.Fatalf("Check: %v", err)
			}
			var got []string
			for _, f := range resp.Failures {
				got = append(got, f.Property)
				if f.Reason == "" {
					t.Errorf("failure of %s has no reason", f.Property)
				}
			}
			sort.Strings(got)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("failures on %v; want %v (%+v)", got, tc.want, resp.Failures)
			}
		})
	}
}

func TestPreviewTouchesNothing(t *testing.T) {
	fake := env(t)
	s := server(t)
	log := captureLog(t)

	resp, err := s.Create(p.CreateRequest{Urn: urn, Properties: check(t, s, args("fp-1")), DryRun: true})
	if err != nil {
		t.Fatalf("preview Create: %v", err)
	}
	for _, prop := range []string{"version", "publishedVersion", "aliasArn"} {
		if !resp.Properties.Get(prop).IsComputed() {
			t.Errorf("preview of a create: %s = %v; want unknown", prop, resp.Properties.Get(prop))
		}
	}
	if got := str(resp.Properties, "functionName"); got != "items" {
		t.Errorf("preview of a create: functionName = %s; want items", got)
	}
	if reqs := fake.Requests(); len(reqs) != 0 {
		t.Errorf("preview of a create made %d AWS calls (%+v); want none", len(reqs), reqs)
	}

	created := create(t, s, "fp-1")
	fake.ResetRequests()
	upd, err := update(s, t, created.ID, created.Properties, "fp-2", true)
	if err != nil {
		t.Fatalf("preview Update: %v", err)
	}
	if reqs := fake.Requests(); len(reqs) != 0 {
		t.Errorf("preview of an update made %d AWS calls (%+v); want none", len(reqs), reqs)
	}
	if !upd.Properties.Get("version").IsComputed() {
		t.Errorf("preview of a new fingerprint: version = %v; want unknown", upd.Properties.Get("version"))
	}
	if got, want := str(upd.Properties, "aliasArn"), str(created.Properties, "aliasArn"); got != want {
		t.Errorf("preview of a new fingerprint: aliasArn = %s; want the known %s", got, want)
	}
	for _, want := range []string{
		"create: alias live of function items on a newly published version",
		"publish-and-shift: alias live of function items, version 1 → 2 with CodeDeployDefault.LambdaCanary10Percent5Minutes",
	} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("log lacks the plan %q:\n%s", want, log)
		}
	}
}

func TestPreviewOfAFunctionNotYetCreated(t *testing.T) {
	fake := env(t)
	s := server(t)
	log := captureLog(t)
	in := args("fp-1").Set("functionName", property.New(property.Computed)).Set("fingerprint", property.New(property.Computed))
	resp, err := s.Check(p.CheckRequest{Urn: urn, Inputs: in})
	if err != nil || len(resp.Failures) > 0 {
		t.Fatalf("Check with unknown inputs: %v, %+v", err, resp.Failures)
	}
	created, err := s.Create(p.CreateRequest{Urn: urn, Properties: resp.Inputs, DryRun: true})
	if err != nil {
		t.Fatalf("preview Create with unknown inputs: %v", err)
	}
	if !created.Properties.Get("functionName").IsComputed() || !created.Properties.Get("version").IsComputed() {
		t.Errorf("preview outputs = %v; want functionName and version unknown", created.Properties)
	}
	if want := "create: alias live of function (known after the function is created)"; !strings.Contains(log.String(), want) {
		t.Errorf("log lacks %q:\n%s", want, log)
	}
	if reqs := fake.Requests(); len(reqs) != 0 {
		t.Errorf("preview made %d AWS calls; want none", len(reqs))
	}
}

func TestCreatePublishesAndCreatesAlias(t *testing.T) {
	fake := env(t)
	s := server(t)
	resp := create(t, s, "fp-1")

	const arn = "arn:aws:lambda:eu-west-1:123456789012:function:items:live"
	if resp.ID != arn {
		t.Errorf("ID = %s; want the alias ARN %s", resp.ID, arn)
	}
	for prop, want := range map[string]string{
		"version": "1", "publishedVersion": "1", "aliasArn": arn, "region": "eu-west-1", "fingerprint": "fp-1",
	} {
		if got := str(resp.Properties, prop); got != want {
			t.Errorf("%s = %s; want %s", prop, got, want)
		}
	}
	if a, ok := fake.Alias("items", "live"); !ok || a.Version != "1" {
		t.Errorf("alias live = %+v (exists %v); want it on version 1", a, ok)
	}
	var ops []string
	for _, r := range fake.Mutations() {
		ops = append(ops, r.Op)
	}
	if want := []string{"PublishVersion", "CreateAlias"}; !reflect.DeepEqual(ops, want) {
		t.Errorf("mutations = %v; want %v (no deployment for a first release)", ops, want)
	}
}

func TestUpdateDeploysConfigOnlyChange(t *testing.T) {
	fake := env(t)
	s := server(t)
	log := captureLog(t)
	created := create(t, s, "fp-1")
	if err := fake.UpdateFunction("items", ""); err != nil {
		t.Fatal(err)
	}

	resp, err := update(s, t, created.ID, created.Properties, "fp-2", false)
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	for prop, want := range map[string]string{"version": "2", "publishedVersion": "2", "fingerprint": "fp-2"} {
		if got := str(resp.Properties, prop); got != want {
			t.Errorf("%s = %s; want %s", prop, got, want)
		}
	}
	deps := fake.Deployments()
	if len(deps) != 1 {
		t.Fatalf("deployments = %+v; want one", deps)
	}
	d := deps[0]
	if d.CurrentVersion != "1" || d.TargetVersion != "2" || d.Status != fakeaws.StatusSucceeded ||
		d.DeploymentConfigName != "CodeDeployDefault.LambdaCanary10Percent5Minutes" {
		t.Errorf("deployment = %+v; want a succeeded canary 1 → 2", d)
	}
	if got := str(resp.Properties, "lastDeploymentId"); got != d.ID {
		t.Errorf("lastDeploymentId = %s; want %s", got, d.ID)
	}
	if a, _ := fake.Alias("items", "live"); a.Version != "2" || a.Weights != nil {
		t.Errorf("alias = %+v; want all traffic on version 2", a)
	}
	for _, want := range []string{
		"published version 2 of function items",
		"deployment " + d.ID + " InProgress: 10% of traffic on version 2 (alias live), 90% on version 1",
		"deployment " + d.ID + " Succeeded: 100% of traffic on version 2",
	} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
}

func TestUpdateRollbackFailsKeepingTheOldState(t *testing.T) {
	fake := env(t)
	s := server(t)
	created := create(t, s, "fp-1")
	if err := fake.UpdateFunction("items", "sha-2"); err != nil {
		t.Fatal(err)
	}
	fake.FailWithAlarm("items-errors")

	resp, err := update(s, t, created.ID, created.Properties, "fp-2", false)
	if err == nil {
		t.Fatal("Update during an alarm succeeded; want the rollback's error")
	}
	for _, want := range []string{"ALARM_ACTIVE", "items-errors", "CodeDeploy rolled back", "alias live serves version 1", "version 2 stays published"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	// No new state reaches the engine, which keeps the recorded one.
	if resp.Properties.Len() != 0 || resp.PartialState != nil {
		t.Errorf("failed Update returned state %v, partial %v; want none so the engine keeps the old state", resp.Properties, resp.PartialState)
	}
	if a, _ := fake.Alias("items", "live"); a.Version != "1" {
		t.Errorf("alias after the rollback = %+v; want version 1", a)
	}

	// The controller itself hands back the old state, per rollout's contract.
	old := provider.ReleaseState{State: rollout.State{
		Inputs: rollout.Inputs{FunctionName: "items", AliasName: "live", Fingerprint: "fp-1",
			ApplicationName: "kumo-test", DeploymentGroupName: "items"},
		Version: "1", PublishedVersion: "1", AliasArn: created.ID,
	}, Region: "eu-west-1"}
	newIn := provider.ReleaseArgs{Inputs: old.Inputs}
	newIn.Fingerprint = "fp-3"
	out, err := (&provider.Release{}).Update(context.Background(), infer.UpdateRequest[provider.ReleaseArgs, provider.ReleaseState]{
		ID: created.ID, State: old, Inputs: newIn,
	})
	if err == nil || !reflect.DeepEqual(out.Output, old) {
		t.Errorf("Release.Update during an alarm = %+v, %v; want the old state and an error", out.Output, err)
	}

	fake.ClearFailures()
	retry, err := update(s, t, created.ID, created.Properties, "fp-2", false)
	if err != nil {
		t.Fatalf("retry after the alarm cleared: %v", err)
	}
	if got := str(retry.Properties, "version"); got != "2" {
		t.Errorf("retry: version = %s; want the same version 2, published once", got)
	}
}

func TestCreateAdoptingAnAliasRecordsPartialState(t *testing.T) {
	fake := env(t)
	s := server(t)
	create(t, s, "fp-1") // an alias on version 1 that a new release adopts
	if err := fake.UpdateFunction("items", "sha-2"); err != nil {
		t.Fatal(err)
	}
	fake.FailHook()

	resp, err := s.Create(p.CreateRequest{Urn: urn, Properties: check(t, s, args("fp-2"))})
	if err == nil || !strings.Contains(err.Error(), "HOOK_EXECUTION_FAILURE") {
		t.Fatalf("Create adopting during a hook failure: err = %v; want the hook failure", err)
	}
	if resp.PartialState == nil {
		t.Fatalf("Create adopting during a hook failure returned no partial state")
	}
	if got := str(resp.Properties, "version"); got != "1" || resp.ID == "" {
		t.Errorf("partial state: ID %q, version %s; want the alias ARN and version 1", resp.ID, got)
	}
}

func TestReadReportsWhatTheAliasServes(t *testing.T) {
	fake := env(t)
	s := server(t)
	created := create(t, s, "fp-1")
	if err := fake.UpdateFunction("items", ""); err != nil {
		t.Fatal(err)
	}
	updated, err := update(s, t, created.ID, created.Properties, "fp-2", false)
	if err != nil {
		t.Fatal(err)
	}
	// Someone moves the alias back by hand.
	if err := fake.SetAlias("items", "live", "1", map[string]float64{"2": 0.25}); err != nil {
		t.Fatal(err)
	}

	read, err := s.Read(p.ReadRequest{ID: created.ID, Urn: urn, Properties: updated.Properties, Inputs: check(t, s, args("fp-2"))})
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	if read.ID != created.ID {
		t.Errorf("Read ID = %q; want %q", read.ID, created.ID)
	}
	if got, pub := str(read.Properties, "version"), str(read.Properties, "publishedVersion"); got != "1" || pub != "2" {
		t.Errorf("read version %s, publishedVersion %s; want 1 and 2", got, pub)
	}
	if w := read.Properties.Get("additionalVersionWeights"); !w.IsMap() || w.AsMap().Get("2").AsNumber() != 0.25 {
		t.Errorf("read additionalVersionWeights = %v; want {2: 0.25}", w)
	}

	// The next diff repairs the drift in place.
	diff, err := s.Diff(p.DiffRequest{ID: created.ID, Urn: urn, State: read.Properties, Inputs: check(t, s, args("fp-2"))})
	if err != nil {
		t.Fatal(err)
	}
	if !diff.HasChanges || diff.DetailedDiff["version"].Kind != p.Update {
		t.Errorf("diff after drift = %+v; want an update of version", diff)
	}
}

func TestDeleteRemovesTheAlias(t *testing.T) {
	fake := env(t)
	s := server(t)
	created := create(t, s, "fp-1")

	if err := s.Delete(p.DeleteRequest{ID: created.ID, Urn: urn, Properties: created.Properties}); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if a, ok := fake.Alias("items", "live"); ok {
		t.Errorf("alias after Delete = %+v; want it gone", a)
	}
	if got := fake.Versions("items"); !reflect.DeepEqual(got, []string{"1"}) {
		t.Errorf("versions after Delete = %v; want [1] kept", got)
	}
	if err := s.Delete(p.DeleteRequest{ID: created.ID, Urn: urn, Properties: created.Properties}); err != nil {
		t.Errorf("Delete of a deleted alias: %v; want success", err)
	}
	fake.DeleteFunction("items")
	if err := s.Delete(p.DeleteRequest{ID: created.ID, Urn: urn, Properties: created.Properties}); err != nil {
		t.Errorf("Delete after the function was deleted: %v; want success", err)
	}

}

// TestReadKeepsTheReleaseWhenTheAliasIsGone: a refresh must not drop the
// release when its alias was deleted outside Pulumi, or the next update
// would create the alias straight on the new version (no canary).
func TestReadKeepsTheReleaseWhenTheAliasIsGone(t *testing.T) {
	fake := env(t)
	s := server(t)
	created := create(t, s, "fp-1")
	fake.DeleteAlias("items", "live")

	read, err := s.Read(p.ReadRequest{ID: created.ID, Urn: urn, Properties: created.Properties})
	if err != nil {
		t.Fatalf("Read of a deleted alias: %v", err)
	}
	if read.ID != created.ID {
		t.Errorf("Read of a deleted alias: ID %q; want %q kept", read.ID, created.ID)
	}
	if got, want := read.Properties.Get("version"), created.Properties.Get("version"); !got.Equals(want) {
		t.Errorf("Read of a deleted alias: version %v; want the recorded %v", got, want)
	}
}

func TestDiff(t *testing.T) {
	env(t)
	s := server(t)
	state := check(t, s, args("fp-1")).
		Set("version", property.New("1")).
		Set("publishedVersion", property.New("1")).
		Set("aliasArn", property.New("arn:aws:lambda:eu-west-1:123456789012:function:items:live")).
		Set("region", property.New("eu-west-1"))
	for _, tc := range []struct {
		name    string
		change  map[string]string
		want    map[string]p.DiffKind
		replace bool
	}{
		{"no change", nil, map[string]p.DiffKind{}, false},
		{"short config name is the same config", map[string]string{"deploymentConfigName": "CodeDeployDefault.LambdaCanary10Percent5Minutes"}, map[string]p.DiffKind{}, false},
		{"default region spelled out", map[string]string{"region": "eu-west-1"}, map[string]p.DiffKind{}, false},
		{"fingerprint", map[string]string{"fingerprint": "fp-2"}, map[string]p.DiffKind{"fingerprint": p.Update}, false},
		{"deployment settings and hooks", map[string]string{"deploymentConfigName": "AllAtOnce", "postTrafficHook": "items-check"},
			map[string]p.DiffKind{"deploymentConfigName": p.Update, "postTrafficHook": p.Update}, false},
		{"function", map[string]string{"functionName": "orders"}, map[string]p.DiffKind{"functionName": p.UpdateReplace}, true},
		{"alias", map[string]string{"aliasName": "prod"}, map[string]p.DiffKind{"aliasName": p.UpdateReplace}, true},
		{"another region", map[string]string{"region": "us-east-1"}, map[string]p.DiffKind{"region": p.UpdateReplace}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := args("fp-1")
			for k, v := range tc.change {
				in = in.Set(k, property.New(v))
			}
			resp, err := s.Diff(p.DiffRequest{Urn: urn, State: state, Inputs: check(t, s, in)})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]p.DiffKind{}
			for k, d := range resp.DetailedDiff {
				got[k] = d.Kind
			}
			if !reflect.DeepEqual(got, tc.want) || resp.HasChanges != (len(tc.want) > 0) {
				t.Errorf("diff = %v (changes %v); want %v", got, resp.HasChanges, tc.want)
			}
		})
	}
}
