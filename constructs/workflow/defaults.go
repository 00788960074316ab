package workflow

// Workflow defaults (StateMachine): ARC401's stream processing reference
// values, and what Step Functions documents as its own defaults or
// recommends, in one place, as constructs/defaults.go keeps the other
// constructs' defaults.
const (
	// StateMachineLogGroupPrefix is where state machine logs go: Step
	// Functions adds every log group it delivers to to the account's
	// CloudWatch Logs resource policy (5,120 characters), except those
	// under /aws/vendedlogs/, which need no entry.
	StateMachineLogGroupPrefix = "/aws/vendedlogs/states/"
	// DefaultLambdaRetryIntervalSeconds, DefaultLambdaRetryMaxAttempts and
	// DefaultLambdaRetryBackoffRate are the retry AWS recommends for
	// Lambda's transient service errors in a Task.
	DefaultLambdaRetryIntervalSeconds = 2
	DefaultLambdaRetryMaxAttempts     = 6
	DefaultLambdaRetryBackoffRate     = 2.0
	// DefaultMapExecutionType runs a distributed Map's child workflows as
	// Express workflows: per-item work is short, and Express costs per
	// request instead of per state transition.
	DefaultMapExecutionType = "EXPRESS"
	// MaxStandardTimeoutSeconds and MaxExpressTimeoutSeconds are the
	// longest executions Step Functions runs: a year, five minutes.
	MaxStandardTimeoutSeconds = 365 * 24 * 60 * 60
	MaxExpressTimeoutSeconds  = 5 * 60
)
