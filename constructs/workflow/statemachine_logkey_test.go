package workflow_test

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/constructs"
	"github.com/kumo-iac/kumo/constructs/internal/synthtest"
	"github.com/kumo-iac/kumo/constructs/workflow"
)

// logKeyEnv is a function a workflow invokes and a key for its logs.
type logKeyEnv struct {
	fn  *constructs.Function
	key *constructs.Key
}

// logKeySetup registers the task function and a key whose services are
// principals.
func logKeySetup(principals ...string) func(ctx *pulumi.Context, p *synthtest.Project) (logKeyEnv, error) {
	return func(ctx *pulumi.Context, p *synthtest.Project) (logKeyEnv, error) {
		fn, err := dlqFunction(ctx, p, "analyze")
		if err != nil {
			return logKeyEnv{}, err
		}
		key, err := constructs.NewKey(ctx, "ops-logs", &constructs.KeyArgs{ServicePrincipals: principals})
		return logKeyEnv{fn: fn, key: key}, err
	}
}

// encryptedWorkflow is a one-task state machine logging with the key.
func encryptedWorkflow(e logKeyEnv) *workflow.StateMachineArgs {
	return &workflow.StateMachineArgs{LogKMSKey: e.key, Definition: &workflow.Definition{
		StartAt: "Analyze",
		States:  map[string]workflow.State{"Analyze": workflow.Task{Function: e.fn, End: true}},
	}}
}

func TestStateMachineLogKMSKey(t *testing.T) {
	p := synthtest.NewProject(t)
	setup := logKeySetup("logs." + synthtest.Region + ".amazonaws.com")
	s := p.Synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		e, err := setup(ctx, p)
		if err != nil {
			return nil, err
		}
		_, err = workflow.NewStateMachine(ctx, "images", encryptedWorkflow(e))
		return nil, err
	})
	lg := s.Find(typLogGroup, "images")
	synthtest.WantInputs(t, lg,
		synthtest.Check{"kmsKeyId", s.State(typKMSKey, "ops-logs", "arn")},
		synthtest.Check{"retentionInDays", 30},
	)
	// What lets CloudWatch Logs use the key is in the key's own policy, so
	// the log group, reading the key's ARN, is created after it.
	if !synthtest.DependsOn(lg, s.Find(typKMSKey, "ops-logs")) {
		t.Errorf("log group depends on %q; want the key", lg.Dependencies)
	}
	synthtest.PolicyInput(t, s.Find(typKMSKey, "ops-logs"), "policy").StatementBySid(t, "ServiceLogsEuWest1")
	synthtest.WantInputs(t, s.Find(typStateMachine, "images"),
		synthtest.Check{"loggingConfiguration.logDestination", s.State(typLogGroup, "images", "arn") + ":*"},
		synthtest.Check{"loggingConfiguration.level", "ALL"},
	)

	// Without a key, CloudWatch Logs' own encryption.
	pp := synthtest.NewProject(t)
	plain := pp.Synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		e, err := setup(ctx, pp)
		if err != nil {
			return nil, err
		}
		a := encryptedWorkflow(e)
		a.LogKMSKey = nil
		_, err = workflow.NewStateMachine(ctx, "images", a)
		return nil, err
	})
	synthtest.WantInputs(t, plain.Find(typLogGroup, "images"), synthtest.Check{"kmsKeyId", nil})
}

func TestStateMachineLogKMSKeyBadInputs(t *testing.T) {
	build := func(ctx *pulumi.Context, _ *synthtest.Project, e logKeyEnv) error {
		_, err := workflow.NewStateMachine(ctx, "images", encryptedWorkflow(e))
		return err
	}
	const scope = `state machine "images"`
	const want = "logs." + synthtest.Region + ".amazonaws.com"
	for _, tc := range []struct {
		name       string
		principals []string
	}{
		{"key without CloudWatch Logs", []string{"events.amazonaws.com"}},
		{"key for another region's CloudWatch Logs", []string{"logs.us-east-1.amazonaws.com"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synthtest.RunBadInputs(t, logKeySetup(tc.principals...), []synthtest.BadInput[logKeyEnv]{{
				Name: tc.name, Build: build, Scope: scope,
				Problems: [][]string{{"LogKMSKey", `"ops-logs"`, "does not let " + want, "add \"" + want + "\" to the key's ServicePrincipals"}},
			}})
		})
	}
}

// Validate knows no region: any region's CloudWatch Logs will do there.
func TestStateMachineLogKMSKeyValidate(t *testing.T) {
	for principal, ok := range map[string]bool{"logs.us-east-1.amazonaws.com": true, "sns.amazonaws.com": false} {
		p := synthtest.NewProject(t)
		p.Synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
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
	errs, rep := synthtest.NewCheckErrors(t, logKeySetup("logs."+synthtest.Region+".amazonaws.com"), func(ctx *pulumi.Context, e logKeyEnv) error {
		_, err := workflow.NewStateMachine(ctx, "images", encryptedWorkflow(e))
		return err
	})
	synthtest.WantNoNewFindings(t, errs)
	for _, f := range rep.Findings {
		if f.Type == typLogGroup && f.Name == "images" {
			t.Errorf("finding on the encrypted log group: %s: %s", f.ID(), f.Message)
		}
	}
}
