package pipeline

import (
	"slices"
	"testing"

	"github.com/kumo-iac/kumo/internal/diff"
)

// TestDeployRoleCoversKumo: every pulumi-aws module kumo emits resources of
// has its IAM services in moduleServices, so a kumo-made deploy role can
// deploy whatever kumo synthesizes; a new service kumo starts to emit
// fails here, not in a stage's first deploy.
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
		if len(moduleServices[mod]) == 0 {
			t.Errorf("%s: module %q has no entry in moduleServices; add its IAM service prefixes (Service Authorization Reference)", typ, mod)
		}
	}
	// And the role's services are exactly those of the known modules: no
	// entry of moduleServices grants a service kumo does not emit.
	used := map[string]bool{}
	for _, typ := range types {
		if mod, ok := moduleOf(typ); ok {
			used[mod] = true
		}
	}
	for mod := range moduleServices {
		if !used[mod] {
			t.Errorf("moduleServices[%q]: kumo emits no type of module %s; remove it", mod, mod)
		}
	}
	if got := deployServices(); !slices.IsSorted(got) || slices.Contains(got, "iam") || slices.Contains(got, "sts") || slices.Contains(got, "*") {
		t.Errorf("deployServices: got %v; want sorted, without iam, sts or *", got)
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
