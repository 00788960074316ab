package synth

import (
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// orderingChecks are rules across resources of several services, added to
// the types they constrain.
var orderingChecks = map[string][]Check{
	// CreateStage / UpdateStage with access log settings fails with "CloudWatch
	// Logs role ARN must be set in account settings to enable logging" until
	// the account's API Gateway CloudWatch role is set, so a stage with logs
	// must come after what sets it: an aws:apigateway/account:Account with
	// cloudwatchRoleArn in this stack, or a StackReference to the stack that
	// manages it (constructs.AccountLogRoleFromStack).
	"aws:apigateway/stage:Stage": {{
		Rule:   "a stage with access logs needs API Gateway's account CloudWatch Logs role set first: depend on the aws:apigateway/account resource that sets it or on a StackReference to the stack that manages it",
		Source: "https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html",
		Find: func(r *Resource, s *Stack) []Finding {
			if _, ok := r.Value("accessLogSettings.destinationArn"); !ok {
				return nil
			}
			for _, a := range s.Resources("aws:apigateway/account:Account") {
				if _, set := a.Value("cloudwatchRoleArn"); set && s.DependsOn(r, a) {
					return nil
				}
			}
			if s.dependsOnType(r, stackReferenceType) {
				return nil
			}
			return []Finding{{Property: "accessLogSettings", Value: "(no account log role before it)"}}
		},
	}},
	// API Gateway creates a stage's execution log group itself, without
	// retention, the first time it logs; a log group kumo declares for it
	// must exist before execution logging is turned on, or its creation
	// fails with ResourceAlreadyExistsException.
	"aws:apigateway/methodSettings:MethodSettings": {{
		Rule:   "execution logging (loggingLevel INFO or ERROR) is turned on only after the stage's API-Gateway-Execution-Logs_<api>/<stage> log group exists: depend on it",
		Source: "https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html",
		Find: func(r *Resource, s *Stack) []Finding {
			level, _ := r.String("settings.loggingLevel")
			if level != "INFO" && level != "ERROR" {
				return nil
			}
			api, _ := r.String("restApi")
			stage, _ := r.String("stageName")
			want := "API-Gateway-Execution-Logs_" + api + "/" + stage
			for _, g := range s.Resources("aws:cloudwatch/logGroup:LogGroup") {
				if g.Physical("name") == want && s.DependsOn(r, g) {
					return nil
				}
			}
			return []Finding{{Property: "settings.loggingLevel", Value: level + " (no " + want + " log group before it)"}}
		},
	}},
}

// dependsOnType reports whether r depends, directly or through others, on
// a resource of type typ, including one synth saw only as a dependency (reads
// such as StackReferences are not registrations).
func (s *Stack) dependsOnType(r *Resource, typ string) bool {
	return s.reaches(r, func(urn string) bool {
		u := resource.URN(urn)
		return u.IsValid() && string(u.Type()) == typ
	})
}
