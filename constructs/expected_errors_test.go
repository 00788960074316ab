package constructs_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/constructs"
	kumocheck "github.com/kumo-iac/kumo/internal/check"
)

const typLogMetricFilter = "aws:cloudwatch/logMetricFilter:LogMetricFilter"

// expectedErrorsStack is a released function notifying a topic, whose
// errors are expected outcomes (with the given failure pattern) unless
// plain.
func expectedErrorsStack(t *testing.T, pattern string, plain ...bool) *stack {
	p := newProject(t)
	return p.synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		r, err := constructs.NewReleases(ctx, "releases", &constructs.ReleasesArgs{})
		if err != nil {
			return nil, err
		}
		topic, err := constructs.NewTopic(ctx, "ops", nil)
		if err != nil {
			return nil, err
		}
		args := p.fnArgs()
		args.Releases, args.AlarmTopic = r, topic
		if len(plain) == 0 {
			args.ExpectedErrors = &constructs.ExpectedErrors{
				Reason:         "an authorizer refuses a token by returning Unauthorized",
				FailurePattern: pattern,
			}
		}
		fn, err := constructs.NewFunction(ctx, "fn", args)
		if err != nil {
			return nil, err
		}
		return pulumi.Map{"logGroup": fn.LogGroup.Name, "topicArn": topic.Arn}, nil
	})
}

// TestExpectedErrorsAlarmOnLoggedFailures: the filter counts the
// function's own logged failures in kumo's namespace, the failures alarm
// watches that metric, and the deployment group rolls back on it instead of
// on Lambda's Errors.
func TestExpectedErrorsAlarmOnLoggedFailures(t *testing.T) {
	for _, tc := range []struct{ name, pattern, want string }{
		{"default pattern", "", constructs.DefaultFailurePattern},
		{"own pattern", `{ $.msg = "token not checked" }`, `{ $.msg = "token not checked" }`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := expectedErrorsStack(t, tc.pattern)
			filter := s.find(typLogMetricFilter, "fn-failures")
			wantInputs(t, filter,
				check{"logGroupName", s.output("logGroup")},
				check{"pattern", tc.want},
				check{"metricTransformation.name", "fn-failures"},
				check{"metricTransformation.namespace", "kumo/kumo/test"},
				check{"metricTransformation.value", "1"},
				check{"metricTransformation.defaultValue", "0"},
			)
			if !dependsOn(filter, s.find(typLogGroup, "fn")) {
				t.Error("the failures filter does not wait for the function's log group; PutMetricFilter needs the group to exist")
			}

			al := s.find(typMetricAlarm, "fn-failures")
			topicArn := s.output("topicArn")
			wantInputs(t, al,
				check{"name", "kumo-test-fn-failures"},
				check{"namespace", "kumo/kumo/test"},
				check{"metricName", "fn-failures"},
				check{"dimensions", nil},
				check{"statistic", "Sum"},
				check{"period", 60}, check{"evaluationPeriods", 1},
				check{"threshold", 0}, check{"comparisonOperator", "GreaterThanThreshold"},
				check{"treatMissingData", "notBreaching"},
				check{"alarmActions", []any{topicArn}}, check{"okActions", []any{topicArn}},
			)
			if d, _ := in(al, "alarmDescription").(string); !strings.Contains(d, "an authorizer refuses a token by returning Unauthorized") {
				t.Errorf("failures alarm description %q; want the reason the errors are expected", d)
			}
			if s.has(typMetricAlarm, "fn-errors") {
				t.Error("an errors alarm is still registered; Lambda counts every expected error in Errors")
			}
			wantInputs(t, s.find(typDeployGroup, "fn"),
				check{"alarmConfiguration.alarms", []string{"kumo-test-fn-failures", "kumo-test-fn-throttles"}})
		})
	}
}

// kumo check finds nothing new: nothing on the filter or the failures
// alarm, and the same rules fire as for the function with its errors alarm.
func TestExpectedErrorsAddNoCheckFindings(t *testing.T) {
	rules := func(s *stack, skip string) []string {
		rep, err := kumocheck.Run(s.Result, "", nil) // root only names sites, not compared here
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, f := range rep.Findings {
			if strings.Contains(f.Name, skip) {
				continue
			}
			if f.Type == typLogMetricFilter || strings.HasSuffix(f.Name, "-failures") {
				t.Errorf("kumo check: %s on %s: %s", f.ID(), f.URN, f.Message)
			}
			out = append(out, f.ID()+" "+f.Name)
		}
		slices.Sort(out)
		return out
	}
	got := rules(expectedErrorsStack(t, ""), "-failures")
	want := rules(expectedErrorsStack(t, "", true), "-errors")
	if !slices.Equal(got, want) {
		t.Errorf("kumo check findings with ExpectedErrors:\n%s\nwant those of the plain function:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestExpectedErrorsBadInputs(t *testing.T) {
	setup := func(ctx *pulumi.Context, _ *project) (*constructs.Releases, error) {
		return constructs.NewReleases(ctx, "releases", nil)
	}
	fn := func(releases bool, e constructs.ExpectedErrors) func(*pulumi.Context, *project, *constructs.Releases) error {
		return func(ctx *pulumi.Context, p *project, r *constructs.Releases) error {
			a := p.fnArgs()
			if releases {
				a.Releases = r
			}
			a.ExpectedErrors = &e
			_, err := constructs.NewFunction(ctx, "fn", a)
			return err
		}
	}
	runBadInputs(t, setup, []badInput[*constructs.Releases]{{
		name:  "without Releases",
		build: fn(false, constructs.ExpectedErrors{Reason: "an authorizer refuses tokens"}),
		scope: `function "fn"`,
		problems: [][]string{
			{"ExpectedErrors", "without Releases", "no release to roll back"},
		},
	}, {
		name:  "short reason and blank pattern, all at once",
		build: fn(true, constructs.ExpectedErrors{Reason: "expected", FailurePattern: "  "}),
		scope: `function "fn"`,
		problems: [][]string{
			{"ExpectedErrors.Reason", `"expected"`, "8 characters", "10–512"},
			{"ExpectedErrors.FailurePattern", "blank", "every log event"},
		},
	}, {
		name:  "long reason and pattern",
		build: fn(true, constructs.ExpectedErrors{Reason: strings.Repeat("r", 513), FailurePattern: strings.Repeat("p", 1025)}),
		scope: `function "fn"`,
		problems: [][]string{
			{"ExpectedErrors.Reason", "513 characters", "10–512"},
			{"ExpectedErrors.FailurePattern", "1025 characters", "at most 1024"},
		},
	}, {
		name:  "no reason and no Releases",
		build: fn(false, constructs.ExpectedErrors{}),
		scope: `function "fn"`,
		problems: [][]string{
			{"ExpectedErrors", "without Releases"},
			{"ExpectedErrors.Reason", `""`, "0 characters"},
		},
	}})
}
