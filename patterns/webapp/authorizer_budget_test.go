package webapp_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/assertions"
	"github.com/kumo-iac/kumo/patterns/webapp"
	"github.com/kumo-iac/kumo/patterns/webapp/authz"
	"github.com/kumo-iac/kumo/patterns/webapp/items"
)

// noSSM stands in for the snapshot's client: budgets call nothing.
type noSSM struct{}

func (noSSM) GetParameter(context.Context, *ssm.GetParameterInput, ...func(*ssm.Options)) (*ssm.GetParameterOutput, error) {
	return nil, errors.New("not called")
}

func (noSSM) PutParameter(context.Context, *ssm.PutParameterInput, ...func(*ssm.Options)) (*ssm.PutParameterOutput, error) {
	return nil, errors.New("not called")
}

// TestAuthorizerTimeoutCoversEveryPath builds each synthesized authorizer
// as its function does, from the synthesized environment, and holds every
// one of its paths' budgets (authz.Budgets: a cold start, warm requests,
// the refresh event the schedule and the release hook send) against the
// synthesized timeout: a path that outlasted it would be cut off before
// its fallback (the snapshot, the keys it has) answers. Both regions'
// Cognito authorizers (JWKS_URL) and an OIDC issuer's found by discovery
// (two documents per fetch) are covered.
func TestAuthorizerTimeoutCoversEveryPath(t *testing.T) {
	discovery := *oidc
	discovery.JWKSURL = ""
	for _, tc := range []struct {
		name      string
		program   func(*pulumi.Context) error
		fns       []string
		discovery bool
	}{
		{"two regions, Cognito", twoRegions(""), []string{"web-authorizer", "web-" + secondary + "-authorizer"}, false},
		{"an OIDC issuer by discovery", program(webapp.Args{ItemsAuthorizer: items.AuthToken, Token: &discovery}), []string{"web-authorizer"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tpl := assertions.Synth(t, tc.program, dev)
			for _, name := range tc.fns {
				fn := tpl.Resource(function, name)
				secs, err := strconv.ParseFloat(fmt.Sprint(fn.Input("timeout")), 64)
				if err != nil {
					t.Fatalf("%s: timeout %v: %v", name, fn.Input("timeout"), err)
				}
				timeout := time.Duration(secs * float64(time.Second))
				env, _ := fn.Input("environment").(map[string]any)
				vars, _ := env["variables"].(map[string]any)
				cfg, err := authz.ConfigFromEnv(func(k string) string { s, _ := vars[k].(string); return s })
				if err != nil {
					t.Fatalf("%s: environment %v: %v", name, vars, err)
				}
				if cfg.SnapshotParameter == "" || (cfg.JWKSURL == "") != tc.discovery {
					t.Errorf("%s: got snapshot %q, JWKS URL %q; want a snapshot, discovery %t", name, cfg.SnapshotParameter, cfg.JWKSURL, tc.discovery)
				}
				a, err := authz.New(cfg, authz.Options{SSM: noSSM{}})
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				b := a.Budgets()
				for _, p := range []struct {
					path   string
					budget time.Duration
				}{{"cold start", b.ColdStart}, {"warm request", b.Warm}, {"warm request, issuer unreachable", b.WarmUnreachable}, {"refresh", b.Refresh}} {
					if p.budget >= timeout {
						t.Errorf("%s: %s takes up to %s; want less than the function's timeout, %s", name, p.path, p.budget, timeout)
					}
				}
			}
		})
	}
}
