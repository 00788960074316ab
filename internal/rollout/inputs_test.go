package rollout

import (
	"errors"
	"strings"
	"testing"
)

func TestValidateReportsEveryProblemAtOnce(t *testing.T) {
	err := Inputs{WaitTimeoutSeconds: -1}.Validate()
	var verr *ValidationError
	if !errors.As(err, &verr) {
		t.Fatalf("error = %v; want *ValidationError", err)
	}
	var fields []string
	for _, p := range verr.Problems {
		var ie *InputError
		if !errors.As(p, &ie) {
			t.Fatalf("problem %v is %T; want *InputError", p, p)
		}
		fields = append(fields, ie.Field)
	}
	if got, want := strings.Join(fields, ","), "FunctionName,Fingerprint,ApplicationName,DeploymentGroupName,WaitTimeoutSeconds"; got != want {
		t.Errorf("fields = %s; want %s", got, want)
	}
	want := `invalid release inputs: 5 problems:
  * FunctionName: "" is required: pass the function's name
  * Fingerprint: "" is required: pass rollout.Fingerprint of the code hash and every versioned setting
  * ApplicationName: "" is required: pass the name of the CodeDeploy application (compute platform Lambda)
  * DeploymentGroupName: "" is required: pass the name of the CodeDeploy deployment group of this function
  * WaitTimeoutSeconds: "-1" must be between 1 and 86400, or 0 for the default of 900`
	if err.Error() != want {
		t.Errorf("error:\n got: %s\nwant: %s", err, want)
	}
}

func TestValidateBadInputs(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*Inputs)
		want   string
	}{
		{"function ARN", func(in *Inputs) { in.FunctionName = "arn:aws:lambda:eu-west-1:123456789012:function:items" },
			`FunctionName: "arn:aws:lambda:eu-west-1:123456789012:function:items" is not a Lambda function name: use 1–64 letters, digits, '-' or '_' (the name, not the ARN)`},
		{"numeric alias", func(in *Inputs) { in.AliasName = "42" },
			`AliasName: "42" must be 1–128 letters, digits, '-' or '_' and not only digits (digits name a version); default "live"`},
		{"alias with a space", func(in *Inputs) { in.AliasName = "my alias" }, `AliasName: "my alias" must be`},
		{"blank fingerprint", func(in *Inputs) { in.Fingerprint = "  " }, `Fingerprint: "  " is required`},
		{"EC2 config", func(in *Inputs) { in.DeploymentConfigName = "CodeDeployDefault.OneAtATime" },
			`DeploymentConfigName: "CodeDeployDefault.OneAtATime" is not a built-in Lambda deployment config; use one of CodeDeployDefault.LambdaAllAtOnce, CodeDeployDefault.LambdaCanary10Percent5Minutes,`},
		{"typo in built-in", func(in *Inputs) { in.DeploymentConfigName = "CodeDeployDefault.LambdaCanary10Percent5Minute" }, `is not a built-in Lambda deployment config`},
		{"config with spaces", func(in *Inputs) { in.DeploymentConfigName = "my config" }, `DeploymentConfigName: "my config" is not a CodeDeploy deployment config name`},
		{"long group", func(in *Inputs) { in.DeploymentGroupName = strings.Repeat("g", 101) }, `is longer than CodeDeploy's limit of 100 characters`},
		{"hook ARN", func(in *Inputs) { in.PreTrafficHook = "arn:aws:lambda:eu-west-1:1:function:pre" }, `PreTrafficHook: "arn:aws:lambda:eu-west-1:1:function:pre" is not a Lambda function reference`},
		{"hook is the function", func(in *Inputs) { in.PostTrafficHook = "items" },
			`PostTrafficHook: "items" is the released function itself; a hook must be a separate function that tests it`},
		{"wait too long", func(in *Inputs) { in.WaitTimeoutSeconds = 86401 }, `WaitTimeoutSeconds: "86401" must be between 1 and 86400`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := testInputs("fp1")
			tc.modify(&in)
			err := in.Validate()
			if err == nil {
				t.Fatalf("Validate() = nil; want an error containing %s", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error:\n got: %s\nwant it to contain: %s", err, tc.want)
			}
			var verr *ValidationError
			if errors.As(err, &verr) && len(verr.Problems) != 1 {
				t.Errorf("%d problems; want 1: %v", len(verr.Problems), err)
			}
		})
	}
}

func TestValidateAcceptsGoodInputs(t *testing.T) {
	for _, cfg := range []string{"", "AllAtOnce", "Linear10PercentEvery10Minutes", "CodeDeployDefault.LambdaCanary10Percent30Minutes", "kumo-canary-25-percent-7-minutes"} {
		in := testInputs("fp1")
		in.DeploymentConfigName = cfg
		in.PreTrafficHook, in.PostTrafficHook = "items-pre", "items-post"
		if err := in.Validate(); err != nil {
			t.Errorf("DeploymentConfigName %q: %v", cfg, err)
		}
	}
}

func TestWithDefaults(t *testing.T) {
	got := Inputs{DeploymentConfigName: "Canary10Percent5Minutes"}.WithDefaults()
	if got.AliasName != "live" || got.WaitTimeoutSeconds != 900 || got.DeploymentConfigName != "CodeDeployDefault.LambdaCanary10Percent5Minutes" {
		t.Errorf("defaults = %+v; want alias live, wait 900, full config name", got)
	}
	custom := Inputs{AliasName: "prod", WaitTimeoutSeconds: 60, DeploymentConfigName: "my-config"}.WithDefaults()
	if custom.AliasName != "prod" || custom.WaitTimeoutSeconds != 60 || custom.DeploymentConfigName != "my-config" {
		t.Errorf("caller values overridden: %+v", custom)
	}
}

func TestHookReferencesAccepted(t *testing.T) {
	for _, hook := range []string{"pre", "pre:live", "arn:aws:lambda:eu-west-1:123456789012:function:pre",
		"arn:aws:lambda:eu-west-1:123456789012:function:web-smoketest-5b0d9ac:live"} {
		in := testInputs("fp1")
		in.PreTrafficHook = hook
		if err := in.Validate(); err != nil {
			t.Errorf("PreTrafficHook %q: got %v; want it accepted", hook, err)
		}
	}
}
