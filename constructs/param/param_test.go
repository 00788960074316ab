package param_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/assertions"
	"github.com/kumo-iac/kumo/constructs"
	"github.com/kumo-iac/kumo/constructs/param"
)

const parameterType = "aws:ssm/parameter:Parameter"

func options(t *testing.T) assertions.Options {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "code.zip"), []byte("PK\x05\x06"+strings.Repeat("\x00", 18)), 0o644); err != nil {
		t.Fatal(err)
	}
	return assertions.Options{Project: "shop", Stack: "prod", Dir: dir, Config: map[string]string{"aws:region": "eu-west-1"}}
}

// withFunction registers a function and the parameter args make, granting
// it as grant says.
func withFunction(args param.Args, grant func(*param.Parameter, *constructs.Function) error) func(ctx *pulumi.Context) error {
	return func(ctx *pulumi.Context) error {
		fn, err := constructs.NewFunction(ctx, "reader", &constructs.FunctionArgs{Code: pulumi.NewFileArchive("code.zip"),
			CodeSHA256: "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="})
		if err != nil {
			return err
		}
		p, err := param.New(ctx, "keys", &args)
		if err != nil {
			return err
		}
		ctx.Export("arn", p.Arn)
		ctx.Export("name", p.Name)
		if grant != nil {
			return grant(p, fn)
		}
		return nil
	}
}

func TestParameter(t *testing.T) {
	tpl := assertions.Synth(t, withFunction(param.Args{Name: "/kumo/shop/prod/keys", Value: "{}", Description: "signing keys"}, nil), options(t))
	tpl.Resource(parameterType, "keys").HasProperties(assertions.M{
		"name": "/kumo/shop/prod/keys", "type": "String", "tier": "Intelligent-Tiering", "insecureValue": "{}",
		"description": "signing keys", "value": assertions.Absent(),
	})
	if got, want := tpl.Output("arn"), "arn:aws:ssm:eu-west-1:123456789012:parameter/kumo/shop/prod/keys"; got != want {
		t.Errorf("arn: got %v; want %q", got, want)
	}
	if got, want := tpl.Output("name"), "/kumo/shop/prod/keys"; got != want {
		t.Errorf("name: got %v; want %q", got, want)
	}
}

// Grants name the parameter's ARN and only the actions asked for.
func TestGrants(t *testing.T) {
	for _, tt := range []struct {
		name    string
		grant   func(*param.Parameter, *constructs.Function) error
		policy  string
		actions []any
	}{
		{"read", (*param.Parameter).GrantRead, "reader-allow-param-keys-read", []any{"ssm:GetParameter"}},
		{"read and write", (*param.Parameter).GrantReadWrite, "reader-allow-param-keys-readwrite", []any{"ssm:GetParameter", "ssm:PutParameter"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tpl := assertions.Synth(t, withFunction(param.Args{Name: "/kumo/shop/prod/keys", Value: "{}"}, tt.grant), options(t))
			tpl.Resource("aws:iam/rolePolicy:RolePolicy", tt.policy).HasProperties(assertions.M{
				"policy": assertions.SerializedJSON(assertions.M{"Statement": []any{assertions.Exact(assertions.M{
					"Effect": "Allow", "Action": tt.actions, "Resource": []any{tpl.Output("arn")}, "Sid": assertions.AnyValue(),
				})}}),
			})
		})
	}
}

// monitor records the options each resource was registered with, which
// synth's output does not carry.
type monitor struct {
	mu     sync.Mutex
	ignore map[string][]string
}

func (m *monitor) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if args.RegisterRPC != nil {
		m.ignore[args.TypeToken+"::"+args.Name] = args.RegisterRPC.GetIgnoreChanges()
	}
	return args.Name + "-id", args.Inputs, nil
}

func (m *monitor) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	return resource.PropertyMap{}, nil
}

// A value the application writes is never reset by a deploy; a value the
// program owns is.
func TestWrittenAtRunTimeIgnoresTheValue(t *testing.T) {
	for _, tt := range []struct {
		runTime bool
		want    []string
	}{{true, []string{"insecureValue"}}, {false, nil}} {
		m := &monitor{ignore: map[string][]string{}}
		err := pulumi.RunErr(func(ctx *pulumi.Context) error {
			_, err := param.New(ctx, "keys", &param.Args{Name: "/kumo/keys", Value: "{}", WrittenAtRunTime: tt.runTime})
			return err
		}, pulumi.WithMocks("shop", "prod", m))
		if err != nil {
			t.Fatal(err)
		}
		if got := m.ignore[parameterType+"::keys"]; !slices.Equal(got, tt.want) {
			t.Errorf("WrittenAtRunTime %v: got ignoreChanges %q; want %q", tt.runTime, got, tt.want)
		}
	}
}

// Bad args: every problem reported at once, naming the field, the value and
// what is allowed, and nothing registered.
func TestBadArgs(t *testing.T) {
	big := strings.Repeat("k", 4097)
	tests := []struct {
		name string
		args param.Args
		want []string
	}{
		{"nothing set", param.Args{}, []string{`Name: "" is empty`, "Value: empty"}},
		{"reserved prefix", param.Args{Name: "/AWS/keys", Value: "v"}, []string{`Name: "/AWS/keys" starts with "aws" or "ssm"`}},
		{"ssm prefix", param.Args{Name: "ssmKeys", Value: "v"}, []string{`Name: "ssmKeys" starts with "aws" or "ssm"`}},
		{"levels without a leading slash", param.Args{Name: "kumo/keys", Value: "v"}, []string{`Name: "kumo/keys" has levels but no leading '/'`}},
		{"a space", param.Args{Name: "/kumo/my keys", Value: "v"}, []string{`Name: "/kumo/my keys" may hold only letters`}},
		// Names AWS takes, but the pipeline's deploy role may not manage.
		{"outside /kumo/", param.Args{Name: "/shop/prod/keys", Value: "v"}, []string{`Name: "/shop/prod/keys" is not under /kumo/: the deploy role kumo's pipeline makes may manage only parameters named /kumo/…`}},
		{"no levels", param.Args{Name: "keys", Value: "v"}, []string{`Name: "keys" is not under /kumo/`}},
		{"another case", param.Args{Name: "/Kumo/keys", Value: "v"}, []string{`Name: "/Kumo/keys" is not under /kumo/`}},
		{"the prefix alone", param.Args{Name: "/kumo/", Value: "v"}, []string{`Name: "/kumo/" is not under /kumo/`}},
		{"a prefix of the prefix", param.Args{Name: "/kumostore/keys", Value: "v"}, []string{`Name: "/kumostore/keys" is not under /kumo/`}},
		{"sixteen levels", param.Args{Name: strings.Repeat("/l", 16), Value: "v"}, []string{"has 16 levels; at most 15"}},
		{"too long", param.Args{Name: "/" + strings.Repeat("n", 960), Value: "v"}, []string{"has 961 characters; at most 960"}},
		{"4 KB and a byte in Standard", param.Args{Name: "/kumo/keys", Value: big, Tier: param.Standard}, []string{"Value: 4097 bytes; tier Standard holds at most 4096"}},
		{"8 KB and a byte", param.Args{Name: "/kumo/keys", Value: big + big}, []string{"Value: 8194 bytes; tier Intelligent-Tiering holds at most 8192"}},
		{"unknown tier", param.Args{Name: "/kumo/keys", Value: "v", Tier: "Premium"}, []string{`Tier: "Premium" is not a tier; use Standard, Advanced or Intelligent-Tiering`}},
		{"long description", param.Args{Name: "/kumo/keys", Value: "v", Description: strings.Repeat("d", 1025)}, []string{"Description: 1025 characters; at most 1024"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tpl, err := assertions.TrySynth(t, func(ctx *pulumi.Context) error {
				_, err := param.New(ctx, "keys", &tt.args)
				return err
			}, options(t))
			var ve *constructs.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("got %v; want a ValidationError", err)
			}
			if len(ve.Problems) != len(tt.want) {
				t.Fatalf("got %d problems %v; want %d: %q", len(ve.Problems), ve.Problems, len(tt.want), tt.want)
			}
			for i, w := range tt.want {
				if !strings.Contains(ve.Problems[i].Error(), w) {
					t.Errorf("problem %d: got %q; want it to contain %q", i, ve.Problems[i], w)
				}
			}
			if tpl != nil && len(tpl.Resources()) != 0 {
				t.Errorf("got %d resources registered; want none", len(tpl.Resources()))
			}
			if err := tt.args.Validate("keys"); err == nil {
				t.Error("Validate: got nil; want the same problems")
			}
		})
	}
}

// The constructs package must not link pulumi-aws's ssm package, directly
// or through another package: this one holds it (issue 9).
func TestConstructsDoNotLinkSSM(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/kumo-iac/kumo/constructs").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	const ssm = "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ssm"
	if slices.Contains(strings.Fields(string(out)), ssm) {
		t.Errorf("constructs links %s; want it linked only by programs that use constructs/param", ssm)
	}
}
