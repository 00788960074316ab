package rollout

import (
	"testing"
	"time"
)

func TestShiftDuration(t *testing.T) {
	tests := []struct {
		config string
		want   time.Duration
		known  bool
	}{
		{"CodeDeployDefault.LambdaAllAtOnce", 0, true},
		{"CodeDeployDefault.LambdaCanary10Percent5Minutes", 5 * time.Minute, true},
		{"CodeDeployDefault.LambdaCanary10Percent30Minutes", 30 * time.Minute, true},
		{"CodeDeployDefault.LambdaLinear10PercentEvery1Minute", 10 * time.Minute, true},
		{"CodeDeployDefault.LambdaLinear10PercentEvery10Minutes", 100 * time.Minute, true},
		// Custom configs as constructs.Releases names them:
		// <project>-<stack>-<preference>.
		{"kumo-dev-Canary25Percent20Minutes", 20 * time.Minute, true},
		{"kumo-dev-Linear30PercentEvery2Minutes", 8 * time.Minute, true}, // 4 increments (30, 60, 90, 100 %), an interval each
		{"shop-prod-Linear1PercentEvery2880Minutes", 100 * 2880 * time.Minute, true},
		{"shop-prod-Canary5Percent1Minute", time.Minute, true},
		{"Canary5Percent15Minutes", 15 * time.Minute, true},
		// Names that do not say how they shift.
		{"", 0, false},
		{"my-team-config", 0, false},
		{"CodeDeployDefault.LambdaSomethingNew", 0, false},
		{"kumo-dev-Canary0Percent5Minutes", 0, false},
		{"kumo-dev-Linear10PercentEvery0Minutes", 0, false},
		{"kumo-dev-Canary10Percent5Minutes-old", 0, false},
	}
	for _, tc := range tests {
		got, known := shiftDuration(tc.config)
		if got != tc.want || known != tc.known {
			t.Errorf("shiftDuration(%q) = %s, %t; want %s, %t", tc.config, got, known, tc.want, tc.known)
		}
	}
}

func TestFollowBound(t *testing.T) {
	tests := []struct {
		name       string
		in         Inputs
		want       time.Duration
		wantBudget string
	}{
		{
			name:       "AllAtOnce",
			in:         Inputs{DeploymentConfigName: "AllAtOnce"},
			want:       15 * time.Minute,
			wantBudget: "0s of traffic shifting with CodeDeployDefault.LambdaAllAtOnce and a 15m0s margin",
		},
		{
			name:       "linear with a pre-traffic hook",
			in:         Inputs{DeploymentConfigName: "Linear10PercentEvery3Minutes", PreTrafficHook: "items-pre"},
			want:       30*time.Minute + time.Hour + 15*time.Minute,
			wantBudget: "30m0s of traffic shifting with CodeDeployDefault.LambdaLinear10PercentEvery3Minutes, 1h0m0s for its hook and a 15m0s margin",
		},
		{
			name:       "unknown custom config",
			in:         Inputs{DeploymentConfigName: "my-team-config", PostTrafficHook: "items-post"},
			want:       2*time.Hour + time.Hour + 15*time.Minute,
			wantBudget: "2h0m0s of traffic shifting assumed for my-team-config, whose name does not say, 1h0m0s for its hook and a 15m0s margin",
		},
	}
	for _, tc := range tests {
		got, budget := tc.in.WithDefaults().followBound()
		if got != tc.want || budget != tc.wantBudget {
			t.Errorf("%s: followBound() = %s, %q; want %s, %q", tc.name, got, budget, tc.want, tc.wantBudget)
		}
	}
}
