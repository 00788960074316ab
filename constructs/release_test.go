package constructs_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/constructs"
)

const (
	typRelease      = "kumo:index:Release"
	typDeployGroup  = "aws:codedeploy/deploymentGroup:DeploymentGroup"
	typDeployConfig = "aws:codedeploy/deploymentConfig:DeploymentConfig"
	typApplication  = "aws:codedeploy/application:Application"
	typMetricAlarm  = "aws:cloudwatch/metricAlarm:MetricAlarm"
)

// canaryStack registers Releases and a function released through it, with
// a pre-traffic hook, and exports the ARNs the assertions compare against.
func canaryStack(t *testing.T, mutate func(*constructs.FunctionArgs)) *stack {
	p := newProject(t)
	return p.synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		r, err := constructs.NewReleases(ctx, "releases", &constructs.ReleasesArgs{})
		if err != nil {
			return nil, err
		}
		hook, err := constructs.NewFunction(ctx, "hook", p.fnArgs())
		if err != nil {
			return nil, err
		}
		args := p.fnArgs()
		args.Releases = r
		args.PreTrafficHook = hook
		args.DurationP99AlarmMs = 1500
		args.Alarms = []string{"checkout-latency"}
		if mutate != nil {
			mutate(args)
		}
		fn, err := constructs.NewFunction(ctx, "fn", args)
		if err != nil {
			return nil, err
		}
		return pulumi.Map{"aliasArn": fn.AliasArn, "invokeArn": fn.InvokeArn, "fnArn": fn.Lambda.Arn,
			"hookAlias": hook.AliasArn, "roleArn": fn.CodeDeployRole.Arn}, nil
	})
}

func TestCanaryReleaseOwnsTheAlias(t *testing.T) {
	s := canaryStack(t, nil)
	if s.has(typAlias, "fn") {
		t.Error("a released function also has a lambda.Alias; the release resource must own the alias alone")
	}
	fn := s.find(typLambda, "fn")
	wantInputs(t, fn, check{"publish", false})

	rel := s.find(typRelease, "fn")
	wantInputs(t, rel,
		check{"aliasName", "live"},
		check{"deploymentConfigName", "CodeDeployDefault.LambdaCanary10Percent5Minutes"},
		check{"applicationName", "kumo-test"},
		check{"deploymentGroupName", "fn"},
		check{"region", testRegion},
		check{"preTrafficHook", s.output("hookAlias")},
	)
	if fp, _ := rel.Inputs["fingerprint"].(string); len(fp) != 64 {
		t.Errorf("release fingerprint %q; want a sha256 hex", fp)
	}
	if got, want := s.output("aliasArn"), s.output("fnArn")+":live"; got != want {
		t.Errorf("function AliasArn %q; want the release's alias %q", got, want)
	}
	if inv := s.output("invokeArn"); !strings.HasSuffix(inv, "/functions/"+s.output("aliasArn")+"/invocations") ||
		!strings.HasPrefix(inv, "arn:aws:apigateway:"+testRegion+":lambda:") {
		t.Errorf("function InvokeArn %q; want the alias's API Gateway URI", inv)
	}
	cfg := s.find(typEventInvokeConfig, "fn")
	if !dependsOn(cfg, rel) {
		t.Error("event invoke config on the alias does not wait for the release that creates the alias")
	}
	// CodeDeploy calls the hook as soon as the release starts a
	// deployment: the hook's grant to report its verdict and invoke the
	// version under test must exist by then.
	if hookGrant := s.find(typRolePolicy, "hook-hook-fn"); !dependsOn(rel, hookGrant) {
		t.Error("the release does not wait for its pre-traffic hook's grant (hook-hook-fn)")
	}
}

func TestCanaryDeploymentGroup(t *testing.T) {
	s := canaryStack(t, nil)
	group := s.find(typDeployGroup, "fn")
	wantInputs(t, group,
		check{"deploymentStyle.deploymentType", "BLUE_GREEN"},
		check{"deploymentStyle.deploymentOption", "WITH_TRAFFIC_CONTROL"},
		check{"autoRollbackConfiguration.enabled", true},
		check{"autoRollbackConfiguration.events", []string{"DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM", "DEPLOYMENT_STOP_ON_REQUEST"}},
		check{"alarmConfiguration.enabled", true},
		check{"alarmConfiguration.alarms", []string{"kumo-test-fn-errors", "kumo-test-fn-throttles", "kumo-test-fn-duration-p99", "checkout-latency"}},
		check{"serviceRoleArn", s.output("roleArn")},
		check{"appName", "kumo-test"},
	)
	wantInputs(t, s.find(typApplication, "releases"), check{"computePlatform", "Lambda"}, check{"name", "kumo-test"})
}

func TestCanaryAlarmsWatchTheAlias(t *testing.T) {
	s := canaryStack(t, nil)
	fnName := in(s.find(typRelease, "fn"), "functionName")
	for _, tc := range []struct {
		name, metric string
		stat         check
		threshold    int
	}{
		{"fn-errors", "Errors", check{"statistic", "Sum"}, 0},
		{"fn-throttles", "Throttles", check{"statistic", "Sum"}, 0},
		{"fn-duration-p99", "Duration", check{"extendedStatistic", "p99"}, 1500},
	} {
		al := s.find(typMetricAlarm, tc.name)
		wantInputs(t, al, check{"namespace", "AWS/Lambda"}, check{"metricName", tc.metric}, tc.stat,
			check{"period", 60}, check{"evaluationPeriods", 1}, check{"comparisonOperator", "GreaterThanThreshold"},
			check{"dimensions.FunctionName", fnName}, check{"dimensions.Resource", fnName.(string) + ":live"},
			check{"threshold", tc.threshold})
	}
}

// TestEachDeploymentGroupHasItsOwnRole: a role shared by every function
// would hold one inline policy per function, and IAM caps a role's inline
// policies at 10,240 characters together; so each group has its own role,
// trusted by CodeDeploy only, and holding only its function's policy.
func TestEachDeploymentGroupHasItsOwnRole(t *testing.T) {
	s := canaryStack(t, nil)
	role := s.find(typRole, "fn-codedeploy")
	trust := policyInput(t, role, "assumeRolePolicy")
	if len(trust.Statement) != 1 || !reflect.DeepEqual(trust.Statement[0].Principal, map[string]any{"Service": []any{"codedeploy.amazonaws.com"}}) {
		t.Errorf("trust policy %+v; want CodeDeploy only", trust.Statement)
	}
	if !dependsOn(s.find(typRolePolicy, "fn-codedeploy"), role) {
		t.Errorf("the function's CodeDeploy policy is not on its own role")
	}
	if got := len(s.ofType(typRolePolicy)); got == 0 {
		t.Fatal("no role policies")
	}
	for _, r := range s.ofType(typRole) {
		if r.Name == "releases" {
			t.Errorf("a shared CodeDeploy service role %s is still registered", r.URN)
		}
	}
}

func TestCanaryPermissionsAreScoped(t *testing.T) {
	s := canaryStack(t, nil)
	fnArn := s.output("fnArn")
	p := policyInput(t, s.find(typRolePolicy, "fn-codedeploy"), "policy")
	shift := p.statementBySid(t, "ShiftAlias")
	if want := []string{fnArn, fnArn + ":*"}; strings.Join(shift.Resource, ",") != strings.Join(want, ",") {
		t.Errorf("ShiftAlias resources %v; want %v", shift.Resource, want)
	}
	if hooks := p.statementBySid(t, "InvokeHooks"); len(hooks.Resource) != 1 || hooks.Resource[0] != s.output("hookAlias") {
		t.Errorf("InvokeHooks resources %v; want only the hook's alias", hooks.Resource)
	}
	for _, r := range p.statementBySid(t, "ReadAlarms").Resource {
		if !strings.HasPrefix(r, "arn:aws:cloudwatch:"+testRegion+":*:alarm:") {
			t.Errorf("ReadAlarms resource %q; want an alarm ARN", r)
		}
	}
	hook := policyInput(t, s.find(typRolePolicy, "hook-hook-fn"), "policy")
	if inv := hook.statementBySid(t, "InvokeVersionUnderTest"); len(inv.Resource) != 1 || inv.Resource[0] != fnArn+":*" {
		t.Errorf("hook may invoke %v; want only the versions of %s", inv.Resource, fnArn)
	}
	hook.statementBySid(t, "ReadDeployment")
}

func TestCustomPreferenceCreatesDeploymentConfig(t *testing.T) {
	s := canaryStack(t, func(a *constructs.FunctionArgs) { a.DeploymentPreference = "Linear25PercentEvery4Minutes" })
	cfg := s.find(typDeployConfig, "releases-Linear25PercentEvery4Minutes")
	wantInputs(t, cfg,
		check{"computePlatform", "Lambda"},
		check{"deploymentConfigName", "kumo-test-Linear25PercentEvery4Minutes"},
		check{"trafficRoutingConfig.type", "TimeBasedLinear"},
		check{"trafficRoutingConfig.timeBasedLinear.percentage", 25},
		check{"trafficRoutingConfig.timeBasedLinear.interval", 4},
	)
	wantInputs(t, s.find(typRelease, "fn"), check{"deploymentConfigName", "kumo-test-Linear25PercentEvery4Minutes"})
}

func TestCanaryBadInputs(t *testing.T) {
	type env struct{ r *constructs.Releases }
	setup := func(ctx *pulumi.Context, p *project) (env, error) {
		r, err := constructs.NewReleases(ctx, "releases", nil)
		return env{r}, err
	}
	runBadInputs(t, setup, []badInput[env]{{
		name: "canary settings without Releases",
		build: func(ctx *pulumi.Context, p *project, e env) error {
			a := p.fnArgs()
			a.DeploymentPreference = constructs.AllAtOnce
			a.DurationP99AlarmMs = 100
			_, err := constructs.NewFunction(ctx, "fn", a)
			return err
		},
		scope: `function "fn"`,
		problems: [][]string{
			{"DeploymentPreference", "set without Releases"},
			{"DurationP99AlarmMs", "set without Releases"},
		},
	}, {
		name: "bad preference, alarm and wait",
		build: func(ctx *pulumi.Context, p *project, e env) error {
			a := p.fnArgs()
			a.Releases = e.r
			a.DeploymentPreference = "Canary0Percent5Minutes"
			a.DurationP99AlarmMs = -1
			a.Alarms = []string{""}
			a.ReleaseWaitTimeoutSeconds = 100000
			_, err := constructs.NewFunction(ctx, "fn", a)
			return err
		},
		scope: `function "fn"`,
		problems: [][]string{
			{"DeploymentPreference", `"Canary0Percent5Minutes" shifts 0 %; use 1–99`},
			{"DurationP99AlarmMs", "-1"},
			{"ReleaseWaitTimeoutSeconds", "100000", "0–86400"},
			{"Alarms[0]", `""`},
		},
	}, {
		name: "unknown preference",
		build: func(ctx *pulumi.Context, p *project, e env) error {
			a := p.fnArgs()
			a.Releases = e.r
			a.DeploymentPreference = "Blue/Green"
			_, err := constructs.NewFunction(ctx, "fn", a)
			return err
		},
		scope:    `function "fn"`,
		problems: [][]string{{"DeploymentPreference", `"Blue/Green" is not a deployment preference`, "AllAtOnce"}},
	}})
}

// awsSettingsConfig is a stack that deploys through a role in another
// account, behind LocalStack-style endpoints, with a secret key that is
// encrypted and an access key that is (carelessly) not.
const awsSettingsConfig = `config:
  aws:region: eu-west-1
  aws:profile: deploy
  aws:sharedConfigFiles:
    - ~/.aws/config-kumo
  aws:assumeRole:
    roleArn: arn:aws:iam::210987654321:role/deployer
    sessionName: kumo-release
    duration: 1h
    tags:
      team: shop
  aws:endpoints:
    - lambda: http://localhost:4566
      dynamodb: http://localhost:4566
    - codedeploy: http://localhost:4567
  aws:allowedAccountIds:
    - "210987654321"
  aws:accessKey: AKIDPLAINCONFIG
  aws:secretKey:
    secure: v1:c2VjcmV0
  aws:defaultTags:
    tags:
      owner: shop
`

func TestCanaryReleaseGetsTheStackAWSSettings(t *testing.T) {
	p := newProject(t)
	p.write("Pulumi.test.yaml", awsSettingsConfig)
	s := p.synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		r, err := constructs.NewReleases(ctx, "releases", nil)
		if err != nil {
			return nil, err
		}
		args := p.fnArgs()
		args.Releases = r
		_, err = constructs.NewFunction(ctx, "fn", args)
		return nil, err
	})
	rel := s.find(typRelease, "fn")
	wantInputs(t, rel,
		check{"region", "eu-west-1"},
		check{"aws.profile", "deploy"},
		check{"aws.sharedConfigFiles", []string{"~/.aws/config-kumo"}},
		check{"aws.assumeRole.roleArn", "arn:aws:iam::210987654321:role/deployer"},
		check{"aws.assumeRole.sessionName", "kumo-release"},
		check{"aws.assumeRole.duration", "1h"},
		check{"aws.assumeRole.tags", map[string]any{"team": "shop"}},
		// Only the services a release calls; dynamodb is for the table.
		check{"aws.endpoints", map[string]any{"lambda": "http://localhost:4566", "codedeploy": "http://localhost:4567"}},
		check{"aws.allowedAccountIds", []string{"210987654321"}},
		// Credentials are secret in the release's inputs and state, even
		// when the stack config holds one in plain text.
		check{"aws.accessKey", "[secret]"},
		check{"aws.secretKey", "[secret]"},
	)
	settings, _ := in(rel, "aws").(map[string]any)
	var got []string
	for k := range settings {
		got = append(got, k)
	}
	if want := []string{"accessKey", "allowedAccountIds", "assumeRole", "endpoints", "profile", "secretKey", "sharedConfigFiles"}; !reflect.DeepEqual(sorted(got), want) {
		t.Errorf("aws settings %v; want %v (no defaultTags, nothing unset)", sorted(got), want)
	}
	raw, err := json.Marshal(s.Resources)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), "AKIDPLAINCONFIG") {
		t.Error("the access key shows in the synthesized stack; want it secret")
	}
}

func TestCanaryReleaseWithoutAWSSettings(t *testing.T) {
	rel := canaryStack(t, nil).find(typRelease, "fn")
	if v, ok := rel.Inputs["aws"]; ok {
		t.Errorf("release aws input = %v in a stack that sets only aws:region; want none, so existing releases see no diff", v)
	}
}

func TestCanaryReleaseSecretConfigKeyStaysSecret(t *testing.T) {
	p := newProject(t)
	// An external id encrypted with `pulumi config set --secret --path`:
	// the whole aws:assumeRole key is then secret.
	p.write("Pulumi.test.yaml", "config:\n  aws:region: eu-west-1\n  aws:assumeRole:\n"+
		"    roleArn: arn:aws:iam::210987654321:role/deployer\n    externalId:\n      secure: v1:ZXh0\n")
	s := p.synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		r, err := constructs.NewReleases(ctx, "releases", nil)
		if err != nil {
			return nil, err
		}
		args := p.fnArgs()
		args.Releases = r
		_, err = constructs.NewFunction(ctx, "fn", args)
		return nil, err
	})
	wantInputs(t, s.find(typRelease, "fn"), check{"aws.assumeRole", "[secret]"})
}

func TestReleasesBadAWSSettings(t *testing.T) {
	p := newProject(t)
	p.write("Pulumi.test.yaml", `config:
  aws:region: eu-west-1
  aws:assumeRole:
    roleArn: deployer
    durationSeconds: 3600
  aws:endpoints:
    - lambda: localhost:4566
  aws:allowedAccountIds:
    - 12345
  aws:accessKey: AKIDWITHOUTSECRET
`)
	var buildErr error
	res, err := p.run(func(ctx *pulumi.Context) (pulumi.Map, error) {
		_, buildErr = constructs.NewReleases(ctx, "releases", nil)
		return nil, nil
	})
	if err != nil {
		t.Fatalf("synth: %v", err)
	}
	checkValidationError(t, buildErr, `releases "releases"`, [][]string{
		{"aws:assumeRole", `unknown field "durationSeconds"`, `v6 takes duration, e.g. "1h"`},
		{"aws:secretKey", "is empty while accessKey is set"},
		{"aws:assumeRole.roleArn", `"deployer"`, "arn:aws:iam::123456789012:role/deployer"},
		{"aws:endpoints.lambda", `"localhost:4566"`, "absolute http(s) URL"},
		{"aws:allowedAccountIds[0]", `"12345"`, "12 digits"},
	})
	if strings.Contains(buildErr.Error(), "AKIDWITHOUTSECRET") {
		t.Errorf("error shows the access key: %v", buildErr)
	}
	if len(res.Resources) != 0 {
		t.Errorf("registered %d resources with bad AWS settings; want none", len(res.Resources))
	}
}

// A VPC is part of a Lambda version's configuration, so moving a canaried
// function into a VPC (or to other subnets) must publish a version and
// shift the alias like any other setting; reordering the same subnets is no
// change, and a function outside a VPC keeps the fingerprint it had before
// the VPC became part of it.
func TestCanaryFingerprintCoversTheVPC(t *testing.T) {
	fingerprint := func(vpc *constructs.FunctionVPC) string {
		s := canaryStack(t, func(a *constructs.FunctionArgs) { a.VPC = vpc })
		fp, _ := s.find(typRelease, "fn").Inputs["fingerprint"].(string)
		return fp
	}
	none := fingerprint(nil)
	a := fingerprint(&constructs.FunctionVPC{SubnetIds: []string{"subnet-0a1b2c3d", "subnet-4e5f6a7b"}, SecurityGroupIds: []string{"sg-0123abcd"}})
	reordered := fingerprint(&constructs.FunctionVPC{SubnetIds: []string{"subnet-4e5f6a7b", "subnet-0a1b2c3d"}, SecurityGroupIds: []string{"sg-0123abcd"}})
	other := fingerprint(&constructs.FunctionVPC{SubnetIds: []string{"subnet-0a1b2c3d"}, SecurityGroupIds: []string{"sg-0123abcd"}})
	if none == a {
		t.Errorf("fingerprint unchanged (%s) when the function joins a VPC; want a new version published", none)
	}
	if a != reordered {
		t.Errorf("fingerprint %s after reordering the same subnets; want %s (no change)", reordered, a)
	}
	if a == other {
		t.Errorf("fingerprint unchanged (%s) when the function's subnets change; want a new version published", a)
	}
}

// Releases registered under another region's provider act in that region:
// the application is created there, and each Release calls CodeDeploy and
// reads its alarms there, not in the stack's aws:region.
func TestReleasesInAnotherRegion(t *testing.T) {
	const other = "eu-central-1"
	p := newProject(t)
	s := p.synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		prov, err := aws.NewProvider(ctx, other, &aws.ProviderArgs{Region: pulumi.String(other)})
		if err != nil {
			return nil, err
		}
		opt := pulumi.Provider(prov)
		r, err := constructs.NewReleases(ctx, "releases-"+other, &constructs.ReleasesArgs{Region: other}, opt)
		if err != nil {
			return nil, err
		}
		args := p.fnArgs()
		args.Releases = r
		if _, err := constructs.NewFunction(ctx, "fn", args, opt); err != nil {
			return nil, err
		}
		return pulumi.Map{}, nil
	})
	for _, tc := range []struct{ typ, name string }{{typApplication, "releases-" + other}, {typDeployGroup, "fn"}, {typMetricAlarm, "fn-errors"}, {typLambda, "fn"}} {
		if r := s.find(tc.typ, tc.name); r.Region() != other {
			t.Errorf("%s %s: got region %q; want %q", tc.typ, tc.name, r.Region(), other)
		}
	}
	wantInputs(t, s.find(typRelease, "fn"), check{"region", other})
	for _, r := range policyInput(t, s.find(typRolePolicy, "fn-codedeploy"), "policy").statementBySid(t, "ReadAlarms").Resource {
		if !strings.HasPrefix(r, "arn:aws:cloudwatch:"+other+":*:alarm:") {
			t.Errorf("ReadAlarms resource: got %q; want an alarm ARN in %s", r, other)
		}
	}
}

func TestReleasesBadRegion(t *testing.T) {
	p := newProject(t)
	_, err := p.run(func(ctx *pulumi.Context) (pulumi.Map, error) {
		_, err := constructs.NewReleases(ctx, "releases", &constructs.ReleasesArgs{Region: "eu-middle-1"})
		return nil, err
	})
	checkValidationError(t, err, `releases "releases"`, [][]string{{"Region", `"eu-middle-1"`, "not an AWS region"}})
}
