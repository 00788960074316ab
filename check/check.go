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
// suppressions that no longer match anything, and refuses ones naming an
// unknown rule. Stack config can suppress too, under kumo:suppressions.
// Under pulumi up Suppress records nothing: the deployment never changes.
package check

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/hashicorp/go-multierror"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/internal/annotate"
)

// MinReason is the shortest reason a suppression may give: a word or two
// is not a justification a reviewer can check.
const MinReason = 10

// AnnotationKey is the synth annotation suppressions travel under.
const AnnotationKey = "kumo:check:suppress"

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
	// pulumi.Sprintf("Resource::%s:*", logGroup.Arn). It replaces Finding;
	// a value of "" records nothing (an item that turned out to need no
	// suppression).
	FindingFrom pulumi.StringInput
	// Reason says why the finding is acceptable, for reviewers: at least
	// MinReason characters.
	Reason string
}

// Recorded is a suppression as the program records it for kumo check.
type Recorded struct {
	Rule    string `json:"rule"`
	Finding string `json:"finding,omitempty"`
	Reason  string `json:"reason"`
}

// Suppress records suppressions for res. What can be checked here (a rule,
// a reason long enough) is checked for all of them at once, and then none
// is recorded; whether the rule exists and takes a finding, kumo check
// checks with the rest.
func Suppress(ctx *pulumi.Context, res pulumi.Resource, ss ...Suppression) error {
	var merr *multierror.Error
	if res == nil {
		merr = multierror.Append(merr, fmt.Errorf("check.Suppress: no resource given"))
	}
	for _, s := range ss {
		if s.Rule == "" {
			merr = multierror.Append(merr, fmt.Errorf("check.Suppress: a suppression names no rule; set Rule to a rule ID (kumo check --list)"))
		}
		if len(strings.TrimSpace(s.Reason)) < MinReason {
			merr = multierror.Append(merr, fmt.Errorf("check.Suppress: suppression of %s has reason %q; give a reason of at least %d characters that a reviewer can check", s.Rule, s.Reason, MinReason))
		}
	}
	if err := merr.ErrorOrNil(); err != nil {
		return err
	}
	for _, s := range ss {
		if s.FindingFrom == nil {
			b, _ := json.Marshal(Recorded{Rule: s.Rule, Finding: s.Finding, Reason: s.Reason})
			annotate.Add(ctx, res, AnnotationKey, string(b))
			continue
		}
		// Only under synth is there anything to record, and there outputs
		// resolve; under pulumi up no apply is made. Joined with the
		// resource's URN, the apply belongs to the context, which the synth
		// waits for even when FindingFrom is a constant.
		if annotate.Active(ctx) {
			pulumi.All(res.URN(), s.FindingFrom).ApplyT(func(vals []any) string {
				urn, _ := vals[0].(pulumi.URN)
				finding, _ := vals[1].(string)
				if finding == "" {
					return ""
				}
				b, _ := json.Marshal(Recorded{Rule: s.Rule, Finding: finding, Reason: s.Reason})
				annotate.AddToURN(ctx, string(urn), AnnotationKey, string(b))
				return finding
			})
		}
	}
	return nil
}
