// Package check lets a kumo program accept a finding of kumo check on one of
// its resources, with the reason, where the resource is made:
//
//	check.Suppress(ctx, fn.Lambda, check.Suppression{
//		Rule:   "Serverless-LambdaDLQ",
//		Reason: "invoked only synchronously by API Gateway; failures return to the caller",
//	})
//
// A suppression names the exact rule and resource (and, for a granular rule
// such as AwsSolutions-IAM5, the exact finding, e.g. "Resource::*"); it
// covers nothing else, not even the resource's children. kumo check reports
// suppressions that no longer match anything. Stack config can suppress
// too, under kumo:suppressions. Under pulumi up Suppress records nothing:
// the deployment never changes.
package check

import (
	"encoding/json"
	"fmt"

	"github.com/hashicorp/go-multierror"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	icheck "github.com/kumo-iac/kumo/internal/check"
	"github.com/kumo-iac/kumo/internal/synth"
)

// Suppression accepts one finding of kumo check on the resource it is
// given to.
type Suppression struct {
	// Rule is the rule's ID, e.g. "AwsSolutions-S1" (kumo check --list).
	Rule string
	// Finding is the item of a granular rule, as kumo check prints it in
	// brackets: "Resource::*", "Action::s3:*". Empty for other rules.
	Finding string
	// FindingFrom is Finding built from outputs, for items that name
	// resources of the stack, e.g.
	// pulumi.Sprintf("Resource::%s:*", logGroup.Arn). It replaces Finding.
	FindingFrom pulumi.StringInput
	// Reason says why the finding is acceptable, for reviewers: at least
	// ten characters.
	Reason string
}

// Suppress records suppressions for res. Every problem with them (no
// reason, an unknown rule, a granular rule without its finding) is
// returned at once, and then none is recorded.
func Suppress(ctx *pulumi.Context, res pulumi.Resource, ss ...Suppression) error {
	var merr *multierror.Error
	if res == nil {
		merr = multierror.Append(merr, fmt.Errorf("check.Suppress: no resource given"))
	}
	for _, s := range ss {
		finding := s.Finding
		if s.FindingFrom != nil {
			finding = "(from FindingFrom)"
		}
		for _, p := range icheck.Validate(s.Rule, finding, s.Reason, "check.Suppress") {
			merr = multierror.Append(merr, fmt.Errorf("%s", p))
		}
	}
	if err := merr.ErrorOrNil(); err != nil {
		return err
	}
	for _, s := range ss {
		annotate := func(finding string) string {
			b, _ := json.Marshal(icheck.Suppression{Rule: s.Rule, Finding: finding, Reason: s.Reason})
			synth.Annotate(ctx, res, icheck.AnnotationKey, string(b))
			return finding
		}
		if s.FindingFrom == nil {
			annotate(s.Finding)
			continue
		}
		// Only under synth is there anything to record, and there outputs
		// resolve; under pulumi up the apply is never made.
		if synth.Synthesizing(ctx) {
			s.FindingFrom.ToStringOutput().ApplyT(annotate)
		}
	}
	return nil
}
