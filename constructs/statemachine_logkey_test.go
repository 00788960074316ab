package constructs_test

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/constructs"
)

// logKeyEnv is a function a workflow invokes and a key for its logs.
type logKeyEnv struct {
	fn  *constructs.Function
	key *constructs.Key
}

// logKeySetup registers the task function and a key whose services are
// principals.
func logKeySetup(principals ...string) func(ctx *pulumi.Context, p *project) (logKeyEnv, error) {
	return func(ctx *pulumi.Context, p *project) (logKeyEnv, error) {
		fn, err := dlqFunction(ctx, p, "analyze")
		if err != nil {
			return logKeyEnv{}, err
		}
		key, err := constructs.NewKey(ctx, "ops-logs", &constructs.KeyArgs{ServicePrincipals: principals})
		return logKeyEnv{fn: fn, key: key}, err
	}
}

// encryptedWorkflow is a one-task state machine logging with the key.
func encryptedWorkflow(e logKeyEnv) *constructs.StateMachineArgs {
	return &constructs.StateMachineArgs{LogKMSKey: e.key, Definition: &constructs.Definition{
		StartAt: "Analyze",
		States:  map[string]constructs.State{"Analyze": constructs.Task{Function: e.fn, End: true}},
	}}
}

func TestStateMachineLogKMSKey(t *testing.T) {
	p := newProject(t)
	setup := logKeySetup("logs." + testRegion + ".amazonaws.com")
	s := p.synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		e, err := setup(ctx, p)
		if err != nil {
			return nil, err
		}
		_, err = constructs.NewStateMachine(ctx, "images", encryptedWorkflow(e))
		return nil, err
	})
	lg := s.find(typLogGroup, "images")
	wantInputs(t, lg,
		check{"kmsKeyId", s.state(typKMSKey, "ops-logs", "arn")},
		check{"retentionInDays", 30},
	)
	// What lets CloudWatch Logs use the key is in the key's own policy, so
	// the log group, reading the key's ARN, is created after it.
	if !dependsOn(lg, s.find(typKMSKey, "ops-logs")) {
		t.Errorf("log group depends on %q; want the key", lg.Dependencies)
	}
	policyInput(t, s.find(typKMSKey, "ops-logs"), "policy").statementBySid(t, "ServiceLogsEuWest1")
	wantInputs(t, s.find(typStateMachine, "images"),
		check{"loggingConfiguration.logDestination", s.state(typLogGroup, "images", "arn") + ":*"},
		check{"loggingConfiguration.level", "ALL"},
	)

	// Without a key, CloudWatch Logs' own encryption.
	pp := newProject(t)
	plain := pp.synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		e, err := setup(ctx, pp)
		if err != nil {
			return nil, err
		}
		a := encryptedWorkflow(e)
		a.LogKMSKey = nil
		_, err = constructs.NewStateMachine(ctx, "images", a)
		return nil, err
	})
	wantInputs(t, plain.find(typLogGroup, "images"), check{"kmsKeyId", nil})
}

func TestStateMachineLogKMSKeyBadInputs(t *testing.T) {
	build := func(ctx *pulumi.Context, _ *project, e logKeyEnv) error {
		_, err := constructs.NewStateMachine(ctx, "images", encryptedWorkflow(e))
		return err
	}
	const scope = `state machine "images"`
	const want = "logs." + testRegion + ".amazonaws.com"
	for _, tc := range []struct {
		name       string
		principals []string
	}{
		{"key without CloudWatch Logs", []string{"events.amazonaws.com"}},
		{"key for another region's CloudWatch Logs", []string{"logs.us-east-1.amazonaws.com"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			runBadInputs(t, logKeySetup(tc.principals...), []badInput[logKeyEnv]{{
				name: tc.name, build: build, scope: scope,
				problems: [][]string{{"LogKMSKey", `"ops-logs"`, "does not let " + want, "add \"" + want + "\" to the key's ServicePrincipals"}},
			}})
		})
	}
}

// Validate knows no region: any region's CloudWatch Logs will do there.
func TestStateMachineLogKMSKeyValidate(t *testing.T) {
	for principal, ok := range map[string]bool{"logs.us-east-1.amazonaws.com": true, "sns.amazonaws.com": false} {
		p := newProject(t)
		p.synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
			e, err := logKeySetup(principal)(ctx, p)
			if err != nil {
				return nil, err
			}
			err = encryptedWorkflow(e).Validate("images")
			switch {
			case ok && err != nil:
				t.Errorf("Validate with a key for %s: %v; want no error", principal, err)
			case !ok && (err == nil || !strings.Contains(err.Error(), "logs.<region>.amazonaws.com")):
				t.Errorf("Validate with a key for %s: got %v; want it to ask for logs.<region>.amazonaws.com", principal, err)
			}
			return nil, nil
		})
	}
}

func TestStateMachineLogKMSKeyPassesKumoCheck(t *testing.T) {
	errs, rep := newCheckErrors(t, logKeySetup("logs."+testRegion+".amazonaws.com"), func(ctx *pulumi.Context, e logKeyEnv) error {
		_, err := constructs.NewStateMachine(ctx, "images", encryptedWorkflow(e))
		return err
	})
	wantNoNewFindings(t, errs)
	for _, f := range rep.Findings {
		if f.Type == typLogGroup && f.Name == "images" {
			t.Errorf("finding on the encrypted log group: %s: %s", f.ID(), f.Message)
		}
	}
}
