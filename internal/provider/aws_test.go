package provider_test

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi/sdk/v3/go/property"

	"github.com/kumo-iac/kumo/internal/awsclient"
	"github.com/kumo-iac/kumo/internal/awsclient/awsclienttest"
	"github.com/kumo-iac/kumo/internal/fakeaws"
	"github.com/kumo-iac/kumo/internal/provider"
)

// target is the AWS a release's settings point at, as opposed to the one
// env points the plugin's environment at: a fake with function "items"
// behind a proxy that records which key signed each request.
type target struct {
	*fakeaws.Server
	// URL is the proxy's, the endpoint the settings name.
	URL string

	mu   sync.Mutex
	keys []string
}

func newTarget(t *testing.T) *target {
	t.Helper()
	fake := fakeaws.New()
	backend, err := url.Parse(fake.Start())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fake.Close)
	fake.SetFunction("items", "sha-1", "config-1")
	tg := &target{Server: fake}
	proxy := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) { r.SetURL(backend) }}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key, _ := awsclienttest.CredentialScope(r.Header.Get("Authorization"))
		tg.mu.Lock()
		tg.keys = append(tg.keys, key)
		tg.mu.Unlock()
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	tg.URL = srv.URL
	return tg
}

// signers returns the distinct access keys that signed requests, in order.
func (tg *target) signers() []string {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	return slices.Compact(slices.Clone(tg.keys))
}

// obj builds an object property value from Go strings, string slices and
// nested maps.
func obj(m map[string]any) property.Value {
	out := map[string]property.Value{}
	for k, v := range m {
		switch v := v.(type) {
		case string:
			out[k] = property.New(v)
		case bool:
			out[k] = property.New(v)
		case []string:
			var items []property.Value
			for _, s := range v {
				items = append(items, property.New(s))
			}
			out[k] = property.New(items)
		case map[string]any:
			out[k] = obj(v)
		default:
			panic("obj: unsupported value")
		}
	}
	return property.New(out)
}

func withAWS(in property.Map, settings map[string]any) property.Map {
	return in.Set("aws", obj(settings))
}

const deployerRole = "arn:aws:iam::" + awsclienttest.AssumedAccount + ":role/deployer"

func TestReleaseCallsTheSettingsEndpointsAsTheAssumedRole(t *testing.T) {
	decoy := env(t) // where the plugin's environment points
	sts := awsclienttest.NewSTS(t)
	tg := newTarget(t)
	s := server(t)
	settings := map[string]any{
		"assumeRole":        map[string]any{"roleArn": deployerRole, "sessionName": "kumo-release", "externalId": "ext-42"},
		"endpoints":         map[string]any{"lambda": tg.URL, "codedeploy": tg.URL, "sts": sts.URL},
		"allowedAccountIds": []string{awsclienttest.AssumedAccount},
	}

	created, err := s.Create(p.CreateRequest{Urn: urn, Properties: check(t, s, withAWS(args("fp-1"), settings))})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if a, ok := tg.Alias("items", "live"); !ok || a.Version != "1" {
		t.Errorf("alias at the settings' endpoint = %+v (exists %v); want it on version 1", a, ok)
	}
	if err := tg.UpdateFunction("items", "sha-2"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Update(p.UpdateRequest{ID: created.ID, Urn: urn, State: created.Properties,
		Inputs: check(t, s, withAWS(args("fp-2"), settings))}); err != nil {
		t.Fatalf("Update: %v", err)
	}
	if d := tg.Deployments(); len(d) != 1 || d[0].Status != fakeaws.StatusSucceeded {
		t.Errorf("deployments at the settings' endpoint = %+v; want one that succeeded", d)
	}
	if reqs := decoy.Requests(); len(reqs) != 0 {
		t.Errorf("the environment's endpoint got %d requests (%v); want none, the settings name another", len(reqs), reqs[0])
	}
	if got, want := tg.signers(), []string{awsclienttest.AssumedAccessKey}; !reflect.DeepEqual(got, want) {
		t.Errorf("Lambda and CodeDeploy calls signed by %v; want only the assumed role's %v", got, want)
	}
	var assumes, identities int
	for _, c := range sts.Calls() {
		switch c.Action {
		case "AssumeRole":
			assumes++
			// The environment's key (env sets AKIDFAKE) assumes the role.
			if c.AccessKey != "AKIDFAKE" || c.Params.Get("RoleArn") != deployerRole ||
				c.Params.Get("RoleSessionName") != "kumo-release" || c.Params.Get("ExternalId") != "ext-42" {
				t.Errorf("AssumeRole by %s with %v; want AKIDFAKE assuming %s as kumo-release with ext-42", c.AccessKey, c.Params, deployerRole)
			}
		case "GetCallerIdentity":
			identities++
			if c.AccessKey != awsclienttest.AssumedAccessKey {
				t.Errorf("GetCallerIdentity signed by %s; want the assumed role's key", c.AccessKey)
			}
		}
	}
	if assumes == 0 || identities != 2 {
		t.Errorf("STS saw %d AssumeRole and %d GetCallerIdentity calls; want the role assumed and the account checked once per operation (2)", assumes, identities)
	}

	// The state records the settings: the delete, which sees only the state,
	// reaches the same endpoint as the same role.
	if err := s.Delete(p.DeleteRequest{ID: created.ID, Urn: urn, Properties: created.Properties}); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, ok := tg.Alias("items", "live"); ok {
		t.Error("alias at the settings' endpoint survived the delete")
	}
	if reqs := decoy.Requests(); len(reqs) != 0 {
		t.Errorf("the delete went to the environment's endpoint (%d requests); want the recorded settings' endpoint", len(reqs))
	}
}

func TestReleaseRefusesAForbiddenAccount(t *testing.T) {
	decoy := env(t)
	sts := awsclienttest.NewSTS(t)
	s := server(t)
	// No role: the environment's credentials are for CallerAccount.
	_, err := s.Create(p.CreateRequest{Urn: urn, Properties: check(t, s, withAWS(args("fp-1"), map[string]any{
		"endpoints":         map[string]any{"sts": sts.URL},
		"allowedAccountIds": []string{awsclienttest.AssumedAccount},
	}))})
	if err == nil || !strings.Contains(err.Error(), "account "+awsclienttest.CallerAccount) || !strings.Contains(err.Error(), "allowedAccountIds") {
		t.Fatalf("Create in an account allowedAccountIds lacks: error %v; want one naming the account", err)
	}
	if reqs := decoy.Requests(); len(reqs) != 0 {
		t.Errorf("Create in a wrong account made %d Lambda/CodeDeploy calls; want none", len(reqs))
	}
}

func TestReleaseHonorsAProfileOfASharedConfigFile(t *testing.T) {
	decoy := env(t)
	t.Setenv("AWS_REGION", "") // the profile's region applies
	tg := newTarget(t)
	dir := t.TempDir()
	configFile := filepath.Join(dir, "config")
	if err := os.WriteFile(configFile, []byte("[profile deploy]\nregion = ap-southeast-2\n"+
		"aws_access_key_id = AKIDPROFILE\naws_secret_access_key = profile-secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	credentialsFile := filepath.Join(dir, "credentials")
	if err := os.WriteFile(credentialsFile, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	s := server(t)
	resp, err := s.Create(p.CreateRequest{Urn: urn, Properties: check(t, s, withAWS(args("fp-1"), map[string]any{
		"profile":                "deploy",
		"sharedConfigFiles":      []string{configFile},
		"sharedCredentialsFiles": []string{credentialsFile},
		"endpoints":              map[string]any{"lambda": tg.URL, "codedeploy": tg.URL},
	}))})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if got := str(resp.Properties, "region"); got != "ap-southeast-2" {
		t.Errorf("region = %s; want the profile's ap-southeast-2", got)
	}
	if got := str(resp.Properties, "aliasArn"); !strings.HasPrefix(got, "arn:aws:lambda:ap-southeast-2:") {
		t.Errorf("aliasArn = %s; want one in ap-southeast-2, where the profile's calls went", got)
	}
	// The profile wins over the environment's AKIDFAKE, as in pulumi-aws.
	if got, want := tg.signers(), []string{"AKIDPROFILE"}; !reflect.DeepEqual(got, want) {
		t.Errorf("calls signed by %v; want the profile's %v", got, want)
	}
	if len(decoy.Requests()) != 0 {
		t.Error("the release called the environment's endpoint; want the settings' endpoint")
	}
}

func TestAWSCredentialsStaySecret(t *testing.T) {
	env(t)
	tg := newTarget(t)
	s := server(t)
	log := captureLog(t)
	in := withAWS(args("fp-1"), map[string]any{
		"accessKey": "AKIDSTATIC", "secretKey": "static-secret-value", "token": "static-token-value",
		"endpoints": map[string]any{"lambda": tg.URL, "codedeploy": tg.URL},
	})
	checked := check(t, s, in)
	resp, err := s.Create(p.CreateRequest{Urn: urn, Properties: checked})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if got, want := tg.signers(), []string{"AKIDSTATIC"}; !reflect.DeepEqual(got, want) {
		t.Errorf("calls signed by %v; want the static %v", got, want)
	}
	for name, m := range map[string]property.Map{"checked inputs": checked, "state": resp.Properties} {
		aws := m.Get("aws")
		for _, k := range []string{"accessKey", "secretKey", "token"} {
			if v := aws.AsMap().Get(k); !aws.Secret() && !v.Secret() {
				t.Errorf("%s: aws.%s = %v; want it secret", name, k, v)
			}
		}
		if v := aws.AsMap().Get("endpoints"); v.Secret() || aws.Secret() {
			t.Errorf("%s: aws.endpoints secret; want only the credentials secret", name)
		}
	}
	for _, secret := range []string{"static-secret-value", "static-token-value"} {
		if strings.Contains(log.String(), secret) {
			t.Errorf("the log shows a secret:\n%s", log)
		}
	}
}

func TestCheckAWSSettings(t *testing.T) {
	s := server(t)
	for _, tc := range []struct {
		name     string
		settings map[string]any
		// want maps each failing property to substrings of its reason.
		want map[string][]string
	}{{
		name:     "valid",
		settings: map[string]any{"profile": "deploy", "assumeRole": map[string]any{"roleArn": deployerRole, "duration": "1h"}},
	}, {
		name: "bad values",
		settings: map[string]any{
			"assumeRole": map[string]any{"roleArn": "deployer", "duration": "1d"},
			"endpoints":  map[string]any{"lambda": "localhost:4566"},
			"stsRegion":  "Ireland",
			"secretKey":  "s3cr3t-value",
		},
		want: map[string][]string{
			"aws.assumeRole.roleArn":  {`"deployer"`, "arn:aws:iam::123456789012:role/deployer"},
			"aws.assumeRole.duration": {`"1d"`, "15m to 12h"},
			"aws.endpoints.lambda":    {`"localhost:4566"`, "http(s) URL"},
			"aws.stsRegion":           {`"Ireland"`, "us-east-1"},
			"aws.accessKey":           {"is empty while secretKey is set"},
		},
	}, {
		name: "unknown settings",
		settings: map[string]any{
			"region":     "eu-west-1",
			"endpoints":  map[string]any{"dynamodb": "http://localhost:8000"},
			"assumeRole": map[string]any{"durationSeconds": "3600"},
		},
		want: map[string][]string{
			"aws.region":                     {`unknown setting "region"`, "profile", "assumeRole", "the release's own region input"},
			"aws.endpoints.dynamodb":         {`unknown setting "dynamodb"`, "lambda, codedeploy, sts"},
			"aws.assumeRole.durationSeconds": {`unknown setting "durationSeconds"`, "roleArn", "duration"},
		},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := s.Check(p.CheckRequest{Urn: urn, Inputs: withAWS(args("fp-1"), tc.settings)})
			if err != nil {
				t.Fatalf("Check: %v", err)
			}
			got := map[string]string{}
			for _, f := range resp.Failures {
				got[f.Property] = f.Reason
				if strings.Contains(f.Reason, "s3cr3t-value") {
					t.Errorf("failure of %s shows the secret: %s", f.Property, f.Reason)
				}
			}
			if len(got) != len(tc.want) {
				t.Errorf("failures %v; want on %v", got, tc.want)
			}
			for prop, subs := range tc.want {
				for _, sub := range subs {
					if !strings.Contains(got[prop], sub) {
						t.Errorf("failure of %s = %q; want it to contain %q", prop, got[prop], sub)
					}
				}
			}
		})
	}
}

func TestStateWithoutAWSSettingsStillWorks(t *testing.T) {
	fake := env(t)
	tg := newTarget(t)
	s := server(t)
	// A release made before the aws input existed: no "aws" in its state.
	old := create(t, s, "fp-1")
	if v, ok := old.Properties.GetOk("aws"); ok && !v.IsNull() {
		t.Fatalf("state without settings has aws = %v", old.Properties.Get("aws"))
	}
	read, err := s.Read(p.ReadRequest{ID: old.ID, Urn: urn, Properties: old.Properties})
	if err != nil || read.ID != old.ID {
		t.Fatalf("Read of old state: %v (ID %q)", err, read.ID)
	}

	settings := map[string]any{"endpoints": map[string]any{"lambda": tg.URL, "codedeploy": tg.URL}}
	newIn := check(t, s, withAWS(args("fp-1"), settings))
	diff, err := s.Diff(p.DiffRequest{ID: old.ID, Urn: urn, State: old.Properties, Inputs: newIn})
	if err != nil {
		t.Fatal(err)
	}
	if len(diff.DetailedDiff) != 1 || diff.DetailedDiff["aws"].Kind != p.Update || diff.DeleteBeforeReplace {
		t.Errorf("diff of old state against settings = %+v; want an in-place update of aws only", diff.DetailedDiff)
	}
	fake.ResetRequests()
	upd, err := s.Update(p.UpdateRequest{ID: old.ID, Urn: urn, State: old.Properties, Inputs: newIn})
	if err != nil {
		t.Fatalf("Update recording the settings: %v", err)
	}
	if m := fake.Mutations(); len(m) != 0 {
		t.Errorf("recording new settings changed AWS: %v; want no change", m)
	}
	if got := upd.Properties.Get("aws").AsMap().Get("endpoints").AsMap().Get("lambda"); got.AsString() != tg.URL {
		t.Errorf("state after the update: aws.endpoints.lambda = %v; want %s recorded", got, tg.URL)
	}
	// Same settings: no diff.
	diff, err = s.Diff(p.DiffRequest{ID: old.ID, Urn: urn, State: upd.Properties, Inputs: newIn})
	if err != nil || diff.HasChanges {
		t.Errorf("diff of recorded settings against the same = %+v, %v; want none", diff.DetailedDiff, err)
	}
}

func TestHungEndpointFailsTheReleaseFast(t *testing.T) {
	env(t)
	hung := awsclienttest.Hang(t)
	provider.SetLimits(t, awsclient.Limits{ResponseHeaderTimeout: 200 * time.Millisecond, MaxAttempts: 2,
		MaxBackoff: 10 * time.Millisecond, CallTimeout: time.Second})
	s := server(t)
	start := time.Now()
	_, err := s.Create(p.CreateRequest{Urn: urn, Properties: check(t, s, withAWS(args("fp-1"), map[string]any{
		"endpoints": map[string]any{"lambda": hung, "codedeploy": hung},
	}))})
	took := time.Since(start)
	if err == nil {
		t.Fatal("Create against a hung endpoint succeeded")
	}
	// The engine may retry a call that timed out, but not for long.
	if took > 10*time.Second {
		t.Errorf("Create failed after %s; want within a few seconds", took)
	}
	for _, want := range []string{"Lambda: ", "no answer from " + hung, "endpoint override"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

func TestCheckNeverShowsASecretSetting(t *testing.T) {
	s := server(t)
	// aws:assumeRole came from a secret config key, so the construct made
	// the whole object secret.
	role := obj(map[string]any{"roleArn": deployerRole, "externalId": "x", "sessionName": "leaky session"}).WithSecret(true)
	in := args("fp-1").Set("aws", property.New(map[string]property.Value{"assumeRole": role, "stsRegion": property.New("Ireland")}))
	resp, err := s.Check(p.CheckRequest{Urn: urn, Inputs: in})
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	got := map[string]string{}
	for _, f := range resp.Failures {
		got[f.Property] = f.Reason
	}
	for prop, want := range map[string]string{
		"aws.assumeRole.externalId":  "(secret, not shown) is not an external id",
		"aws.assumeRole.sessionName": "(secret, not shown) is not a role session name",
		"aws.stsRegion":              `"Ireland" is not an AWS region name`, // not secret: shown
	} {
		if !strings.HasPrefix(got[prop], want) {
			t.Errorf("failure of %s = %q; want it to start with %q", prop, got[prop], want)
		}
	}
	if len(got) != 3 {
		t.Errorf("failures %v; want 3", got)
	}
}
