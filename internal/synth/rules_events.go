package synth

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/kumo-iac/kumo/internal/schedexpr"
)

// Sources of the EventBridge (CloudWatch Events) rules.
const (
	srcEventsPutRule     = "https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutRule.html"
	srcEventsPutTargets  = "https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutTargets.html"
	srcEventsTarget      = "https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_Target.html"
	srcEventsRetryPolicy = "https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_RetryPolicy.html"
	srcEventsDeadLetter  = "https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_DeadLetterConfig.html"
	srcEventsErrors      = "https://docs.aws.amazon.com/eventbridge/latest/APIReference/CommonErrors.html (ResourceNotFoundException)"
	// pulumi-aws names rules with AutoName("name", 64, "-") and targets
	// with AutoName("targetId", 255, "-"): a target ID the provider
	// generates can exceed the API's 64 characters.
	srcProviderEventRuleName = "pulumi-aws provider/resources.go aws_cloudwatch_event_rule name AutoName(\"name\", 64, \"-\")"
	srcProviderEventTargetID = "pulumi-aws provider/resources.go aws_cloudwatch_event_target target_id AutoName(\"targetId\", 255, \"-\")"
	// The provider documents what the API reference leaves to the user
	// guide: a schedule only on the default bus, and no
	// ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS with a schedule.
	srcProviderEventRule = "pulumi-aws sdk cloudwatch/eventRule.go (scheduleExpression \"Can only be used on the default event bus\"; state note); " + srcEventsPutRule
	// terraform-provider-aws internal/service/events/target.go declares
	// input, input_path and input_transformer ConflictsWith each other.
	srcTFEventsTargetInput = "terraform-provider-aws internal/service/events/target.go (input ConflictsWith input_path, input_transformer); " + srcEventsTarget
	// "In an event pattern, the value to match is in a JSON array"; "The
	// value of each field in an event pattern is an array containing one
	// or more values." PutRule refuses anything else with
	// InvalidEventPatternException.
	srcEventsPatternSyntax = "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern.html; https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-arrays.html; " + srcEventsPutRule + " (InvalidEventPatternException)"
)

// eventsName is PutRule's Name and Target's Id: "Length Constraints:
// Minimum length of 1. Maximum length of 64. Pattern: [\.\-_A-Za-z0-9]+".
var eventsNameChars = regexp.MustCompile(`^[.\-_A-Za-z0-9]+$`)

const (
	tEventRule   = "aws:cloudwatch/eventRule:EventRule"
	tEventTarget = "aws:cloudwatch/eventTarget:EventTarget"
)

// eventsStates are PutRule's State values.
var eventsStates = []string{"ENABLED", "DISABLED", "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"}

// maxTargetsPerRule: "Each rule can have up to five (5) targets associated
// with it at one time."
const maxTargetsPerRule = 5

var eventsSpecs = map[string]Spec{
	tEventRule: {
		Names: []Name{{Prop: "name", PrefixProp: "namePrefix",
			Auto: &Autoname{Max: 64, Sep: "-", Source: srcProviderEventRuleName},
			Rule: StringRule{Pattern: eventsNameChars, Min: 1, Max: 64,
				Desc: "a rule name is 1–64 letters, digits, '.', '-' or '_'", Source: srcEventsPutRule}}},
		Checks: []Check{
			{Rule: "a rule needs an eventPattern or a scheduleExpression", Source: srcEventsPutRule,
				Find: func(r *Resource, _ *Stack) []Finding {
					if nonEmpty(r, "eventPattern") || nonEmpty(r, "scheduleExpression") {
						return nil
					}
					return []Finding{{Property: "scheduleExpression"}}
				}},
			{Rule: "a schedule expression is rate(value unit) with a singular unit for 1 and a plural one above, or cron( six fields ) with ? in exactly one of day-of-month and day-of-week",
				Source: schedexpr.Source + "; https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rate-expressions.html; " + srcEventsPutRule,
				Find: func(r *Resource, _ *Stack) []Finding {
					expr, ok := r.String("scheduleExpression")
					if !ok {
						return nil
					}
					if err := schedexpr.Check(expr); err != nil {
						return []Finding{{Property: "scheduleExpression", Value: err.Error()}}
					}
					return nil
				}},
			{Rule: "a scheduleExpression is only allowed on the default event bus", Source: srcProviderEventRule,
				Find: func(r *Resource, _ *Stack) []Finding {
					bus, ok := r.String("eventBusName")
					if !ok || !nonEmpty(r, "scheduleExpression") || isDefaultBus(bus) {
						return nil
					}
					return []Finding{{Property: "eventBusName", Value: bus}}
				}},
			oneOf(srcEventsPutRule, "state", eventsStates...),
			{Rule: "state ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS cannot be used with a scheduleExpression", Source: srcProviderEventRule,
				Find: func(r *Resource, _ *Stack) []Finding {
					if st, _ := r.String("state"); st == "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS" && nonEmpty(r, "scheduleExpression") {
						return []Finding{{Property: "state", Value: st}}
					}
					return nil
				}},
			matches("description", StringRule{Max: 512, Desc: "a rule description is at most 512 characters", Source: srcEventsPutRule}),
			jsonInput(srcEventsPutRule, "eventPattern", 0),
			{Rule: "an event pattern is a JSON object whose every field is an object of fields or an array of one or more values to match",
				Source: srcEventsPatternSyntax,
				Find: func(r *Resource, _ *Stack) []Finding {
					v, ok := r.String("eventPattern")
					if !ok || isPlaceholder(v) {
						return nil
					}
					var doc any
					if json.Unmarshal([]byte(v), &doc) != nil {
						return nil // the JSON rule reports it
					}
					if obj, ok := doc.(map[string]any); !ok || len(obj) == 0 {
						return []Finding{{Property: "eventPattern", Value: v}}
					}
					if path := badPatternField("", doc); path != "" {
						return []Finding{{Property: "eventPattern", Value: path}}
					}
					return nil
				}},
			{Rule: "a rule name is unique on its event bus: PutRule with a name the bus already has replaces that rule, so one of the two is silently lost", Source: srcEventsPutRule,
				Find: func(r *Resource, s *Stack) []Finding {
					name := r.Physical("name")
					if name == "" || isPlaceholder(name) {
						return nil
					}
					bus, _ := r.String("eventBusName")
					same := s.index("rule by bus and name", tEventRule, ruleKey)[busKey(bus)+"\x00"+name]
					if len(same) > 1 {
						return []Finding{{Property: "name", Value: fmt.Sprintf("%s (also %s)", name, other(same, r).URN)}}
					}
					return nil
				}},
		},
	},

	tEventTarget: {
		Names: []Name{{Prop: "targetId",
			Auto: &Autoname{Max: 255, Sep: "-", Source: srcProviderEventTargetID},
			Rule: StringRule{Pattern: eventsNameChars, Min: 1, Max: 64,
				Desc: "a target ID is 1–64 letters, digits, '.', '-' or '_' (the provider autonames it from the resource name, so keep that at most 56 characters or set targetId)", Source: srcEventsTarget}}},
		Checks: []Check{
			required(srcEventsPutTargets, "rule", "arn"),
			matches("arn", StringRule{Max: 1600, Desc: "a target ARN is at most 1600 characters", Source: srcEventsTarget}),
			jsonInput(srcEventsTarget, "input", 8192),
			{Rule: "at most one of input, inputPath and inputTransformer", Source: srcTFEventsTargetInput,
				Find: func(r *Resource, _ *Stack) []Finding {
					var set []string
					for _, p := range []string{"input", "inputPath", "inputTransformer"} {
						if _, ok := r.Value(p); ok {
							set = append(set, p)
						}
					}
					if len(set) > 1 {
						return []Finding{{Property: set[1], Value: strings.Join(set, ", ")}}
					}
					return nil
				}},
			intRange(srcEventsRetryPolicy, "retryPolicy.maximumEventAgeInSeconds", 60, 86400),
			intRange(srcEventsRetryPolicy, "retryPolicy.maximumRetryAttempts", 0, 185),
			{Rule: "a Step Functions state machine or Kinesis stream target needs roleArn: EventBridge calls them with that role (Lambda and SNS use resource policies instead)",
				Source: srcEventsPutTargets,
				Find: func(r *Resource, _ *Stack) []Finding {
					arn, ok := r.String("arn")
					if !ok || nonEmpty(r, "roleArn") {
						return nil
					}
					if svc := arnService(arn); svc == "states" || svc == "kinesis" {
						return []Finding{{Property: "roleArn", Value: "(not set for " + arn + ")"}}
					}
					return nil
				}},
			{Rule: "a dead-letter queue is an SQS queue ARN", Source: srcEventsDeadLetter,
				Find: func(r *Resource, _ *Stack) []Finding {
					if arn, ok := r.String("deadLetterConfig.arn"); ok && arnService(arn) != "sqs" {
						return []Finding{{Property: "deadLetterConfig.arn", Value: arn}}
					}
					return nil
				}},
			{Rule: fmt.Sprintf("a rule has at most %d targets", maxTargetsPerRule), Source: srcEventsPutTargets,
				Find: func(r *Resource, s *Stack) []Finding {
					key, ok := targetRuleKey(r)
					if !ok {
						return nil
					}
					same := s.index("rule of target", tEventTarget, targetRuleKey)[key]
					if len(same) > maxTargetsPerRule {
						return []Finding{{Property: "rule", Value: fmt.Sprintf("%s (%d targets)", strings.TrimPrefix(key, "\x00"), len(same))}}
					}
					return nil
				}},
			{Rule: "targetId is unique within its rule: PutTargets with an ID the rule already has replaces that target, so one of the two is silently lost", Source: srcEventsPutTargets,
				Find: func(r *Resource, s *Stack) []Finding {
					key, ok := targetRuleKey(r)
					id := r.Physical("targetId")
					if !ok || id == "" || isPlaceholder(id) {
						return nil
					}
					same := s.index("target id in rule", tEventTarget, func(x *Resource) (string, bool) {
						k, ok := targetRuleKey(x)
						return k + "\x00" + x.Physical("targetId"), ok
					})[key+"\x00"+id]
					if len(same) > 1 {
						return []Finding{{Property: "targetId", Value: fmt.Sprintf("%s (also %s)", id, other(same, r).URN)}}
					}
					return nil
				}},
			// PutTargets on a rule that does not exist fails with
			// ResourceNotFoundException ("Rule … does not exist on EventBus").
			{Rule: "the rule must exist first: order the target after the EventRule that creates it", Source: srcEventsErrors,
				Find: func(r *Resource, s *Stack) []Finding {
					key, ok := targetRuleKey(r)
					if !ok {
						return nil
					}
					rules := s.index("rule by bus and name", tEventRule, ruleKey)[key]
					name, _ := r.String("rule")
					return afterAny(r, s, rules, "rule", name)
				}},
		},
	},
}

// jsonInput: a set string property is JSON text of at most max characters
// (0: no limit).
func jsonInput(source, prop string, max int) Check {
	rule := prop + " is valid JSON text"
	if max > 0 {
		rule += fmt.Sprintf(" of at most %d characters", max)
	}
	return Check{Rule: rule, Source: source,
		Find: func(r *Resource, _ *Stack) []Finding {
			v, ok := r.String(prop)
			switch {
			case !ok:
				return nil
			case !json.Valid([]byte(v)):
				return []Finding{{Property: prop, Value: v}}
			case max > 0 && len([]rune(v)) > max:
				return []Finding{{Property: prop, Value: fmt.Sprintf("%d characters", len([]rune(v)))}}
			}
			return nil
		}}
}

// badPatternField is the first field (in sorted order) of an event pattern
// whose value is neither an object nor a non-empty array, "" when there is
// none.
func badPatternField(path string, v any) string {
	switch v := v.(type) {
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(v)) {
			if bad := badPatternField(path+"."+k, v[k]); bad != "" {
				return bad
			}
		}
		return ""
	case []any:
		if len(v) == 0 {
			return path + " (empty array)"
		}
		return ""
	}
	return fmt.Sprintf("%s (%v, not an array)", path, v)
}

// ruleKey identifies a rule by its event bus and name, as targetRuleKey
// does the rule of a target.
func ruleKey(r *Resource) (string, bool) {
	bus, _ := r.String("eventBusName")
	return busKey(bus) + "\x00" + r.Physical("name"), true
}

// targetRuleKey identifies the rule a target belongs to: its event bus and
// rule name.
func targetRuleKey(r *Resource) (string, bool) {
	rule, ok := r.String("rule")
	if !ok {
		return "", false
	}
	bus, _ := r.String("eventBusName")
	return busKey(bus) + "\x00" + rule, true
}

// busKey reduces an event bus name or ARN to "" for the default bus and to
// the name otherwise.
func busKey(bus string) string {
	if isDefaultBus(bus) {
		return ""
	}
	if i := strings.LastIndex(bus, "/"); strings.HasPrefix(bus, "arn:") && i >= 0 {
		return bus[i+1:]
	}
	return bus
}

func isDefaultBus(bus string) bool {
	return bus == "" || bus == "default" || strings.HasSuffix(bus, ":event-bus/default")
}

// arnService is the service part of an ARN ("sqs" in arn:aws:sqs:…), "" for
// anything else.
func arnService(arn string) string {
	parts := strings.SplitN(arn, ":", 4)
	if len(parts) < 4 || parts[0] != "arn" {
		return ""
	}
	return parts[2]
}
