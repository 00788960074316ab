package pipeline

import (
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/internal/diff"
)

// TestDeployRoleCoversKumo: every pulumi-aws module kumo emits resources of
// has its IAM services in moduleServices, or scoped statements in
// scopedModules, so a kumo-made deploy role can deploy whatever kumo
// synthesizes; a new service kumo starts to emit fails here, not in a
// stage's first deploy.
func TestDeployRoleCoversKumo(t *testing.T) {
	types := diff.KnownTypes()
	if len(types) == 0 {
		t.Fatal("diff.KnownTypes: got none; want kumo's resource types")
	}
	for _, typ := range types {
		mod, ok := moduleOf(typ)
		if !ok || mod == "iam" { // IAM is granted separately, scoped to roles
			continue
		}
		whole, scoped := len(moduleServices[mod]) > 0, len(scopedModules[mod]) > 0
		switch {
		case !whole && !scoped:
			t.Errorf("%s: module %q has no entry in moduleServices or scopedModules; add its IAM service prefixes (Service Authorization Reference), or the actions the provider calls on what kumo names", typ, mod)
		case whole && scoped:
			t.Errorf("%s: module %q is in moduleServices and scopedModules; the whole service would void the scope", typ, mod)
		}
	}
	// And the role's services are exactly those of the known modules: no
	// entry grants a service kumo does not emit.
	used := map[string]bool{}
	for _, typ := range types {
		if mod, ok := moduleOf(typ); ok {
			used[mod] = true
		}
	}
	for _, m := range []map[string]bool{keysOf(moduleServices), keysOf(scopedModules)} {
		for mod := range m {
			if !used[mod] {
				t.Errorf("module %q: kumo emits no type of module %s; remove its entry", mod, mod)
			}
		}
	}
	if got := deployServices(); !slices.IsSorted(got) || slices.Contains(got, "iam") || slices.Contains(got, "sts") || slices.Contains(got, "*") {
		t.Errorf("deployServices: got %v; want sorted, without iam, sts or *", got)
	}
	// A scoped module's service is never granted whole.
	for mod := range scopedModules {
		for _, st := range scopedModules[mod] {
			for _, a := range st.Actions {
				svc, _, _ := strings.Cut(a, ":")
				if slices.Contains(deployServices(), svc) {
					t.Errorf("scopedModules[%q]: service %s is also granted whole (%s:*)", mod, svc, svc)
				}
			}
		}
	}
}

func keysOf[V any](m map[string]V) map[string]bool {
	out := map[string]bool{}
	for k := range m {
		out[k] = true
	}
	return out
}

// The deploy role manages SSM parameters under /kumo/ only: no ssm:* (which
// would run commands on instances and read every parameter), and only
// DescribeParameters, which has no resource-level permission, on *.
func TestDeployRoleSSMScoped(t *testing.T) {
	if slices.Contains(deployServices(), "ssm") {
		t.Fatalf("deployServices: got ssm; want it scoped, not whole")
	}
	var got []string
	for _, st := range scopedStatements() {
		for _, a := range st.Actions {
			if !strings.HasPrefix(a, "ssm:") {
				continue
			}
			for _, r := range st.Resources {
				got = append(got, a+" on "+string(r.(pulumi.String)))
			}
		}
	}
	slices.Sort(got)
	want := []string{
		"ssm:AddTagsToResource on arn:aws:ssm:*:*:parameter/kumo/*",
		"ssm:DeleteParameter on arn:aws:ssm:*:*:parameter/kumo/*",
		"ssm:DescribeParameters on *",
		"ssm:GetParameter on arn:aws:ssm:*:*:parameter/kumo/*",
		"ssm:ListTagsForResource on arn:aws:ssm:*:*:parameter/kumo/*",
		"ssm:PutParameter on arn:aws:ssm:*:*:parameter/kumo/*",
		"ssm:RemoveTagsFromResource on arn:aws:ssm:*:*:parameter/kumo/*",
	}
	if !slices.Equal(got, want) {
		t.Errorf("got SSM grants %v; want %v", got, want)
	}
}

func TestModuleOf(t *testing.T) {
	for _, c := range []struct {
		typ, want string
		ok        bool
	}{
		{"aws:lambda/function:Function", "lambda", true},
		{"aws:s3/bucketV2:BucketV2", "s3", true},
		{"kumo:constructs:Function", "", false},
		{"aws:index/provider:Provider", "index", true},
		{"awsx:ec2:Vpc", "", false},
	} {
		if got, ok := moduleOf(c.typ); got != c.want || ok != c.ok {
			t.Errorf("moduleOf(%q): got %q, %v; want %q, %v", c.typ, got, ok, c.want, c.ok)
		}
	}
}

func TestSecretResource(t *testing.T) {
	const full = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:pulumi-AbCdEf"
	for _, c := range []struct{ ref, want string }{
		{full, full},
		{full + ":token", full},
		{"arn:aws:secretsmanager:eu-west-1:123456789012:secret:pulumi", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:pulumi-??????"},
		{"arn:aws:secretsmanager:eu-west-1:123456789012:secret:pulumi:token", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:pulumi-??????"},
	} {
		if got := secretResource(c.ref); got != c.want {
			t.Errorf("secretResource(%q): got %q; want %q", c.ref, got, c.want)
		}
	}
}
