package constructs_test

import (
	"bytes"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/constructs"
)

// everything registers every construct, wired the way a pattern would, with
// a Go handler built from source.
func everything(p *project) func(ctx *pulumi.Context) (pulumi.Map, error) {
	return func(ctx *pulumi.Context) (pulumi.Map, error) {
		fn, err := constructs.NewFunction(ctx, "items", &constructs.FunctionArgs{
			GoPackage: handlerPkg, Root: p.dir, DeadLetterQueue: true,
			Environment: map[string]pulumi.StringInput{"B": pulumi.String("2"), "A": pulumi.String("1")},
		})
		if err != nil {
			return nil, err
		}
		table, err := constructs.NewTable(ctx, "items", &constructs.TableArgs{SortKey: "sk", Stream: constructs.StreamNewImage})
		if err != nil {
			return nil, err
		}
		bucket, err := constructs.NewBucket(ctx, "uploads", nil)
		if err != nil {
			return nil, err
		}
		for _, grant := range []func(constructs.Grantee) error{table.GrantReadWrite, bucket.GrantRead} {
			if err := grant(fn); err != nil {
				return nil, err
			}
		}
		site, err := constructs.NewStaticSite(ctx, "shop", &constructs.StaticSiteArgs{SourceDir: p.site(siteFiles), SPA: true})
		if err != nil {
			return nil, err
		}
		pool, err := constructs.NewUserPool(ctx, "users", &constructs.UserPoolArgs{Groups: []constructs.Group{{Name: "b"}, {Name: "a"}}})
		if err != nil {
			return nil, err
		}
		logRole, err := accountLogRole(ctx)
		if err != nil {
			return nil, err
		}
		api, err := constructs.NewApi(ctx, "api", &constructs.ApiArgs{
			AccountLogRole: logRole,
			Routes: []constructs.Route{
				{Method: "GET", Path: "/items/{id}", Function: fn},
				{Method: "POST", Path: "/items", Function: fn, BodySchema: `{"type":"object"}`, APIKeyRequired: true},
				{Method: "GET", Path: "/health", Function: fn, Public: true, PublicReason: "open on purpose for this test"},
			},
			Authorizers:       map[string]constructs.Authorizer{"users": {Kind: constructs.AuthorizerCognito, UserPool: pool}, "b": {Kind: constructs.AuthorizerCognito, UserPool: pool}},
			DefaultAuthorizer: "users",
			CORSOrigin:        site.Origin,
			UsagePlan:         &constructs.UsagePlan{Keys: []string{"z", "a"}},
		})
		if err != nil {
			return nil, err
		}
		if err := site.AddFile("config.json", pulumi.Sprintf(`{"api":%q}`, api.URL)); err != nil {
			return nil, err
		}
		return pulumi.Map{"api": api.URL, "site": site.URL, "function": fn.AliasArn}, nil
	}
}

// TestSynthIsDeterministic runs the same program twice in one project and
// once in a fresh checkout: the synth JSON must be byte-identical, so CI
// diffs show only real changes.
func TestSynthIsDeterministic(t *testing.T) {
	var outs [][]byte
	a := newProject(t).withHandler()
	b := newProject(t).withHandler()
	for _, p := range []*project{a, a, b} {
		s := p.synth(everything(p))
		out, err := s.JSON()
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(out, []byte(p.dir)) {
			t.Errorf("synth output contains the project's absolute path %s; want paths relative to the project", p.dir)
		}
		outs = append(outs, out)
	}
	if !bytes.Equal(outs[0], outs[1]) {
		t.Errorf("second run in the same project differs from the first:\n%s", firstDiff(outs[0], outs[1]))
	}
	if !bytes.Equal(outs[0], outs[2]) {
		t.Errorf("run in another checkout differs:\n%s", firstDiff(outs[0], outs[2]))
	}
}
