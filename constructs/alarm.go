package constructs

import (
	"fmt"
	"maps"
	"slices"

	"github.com/hashicorp/go-multierror"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Statistic is how an alarm aggregates a metric over a period.
type Statistic string

// Statistics CloudWatch alarms accept (percentiles are not modelled).
const (
	StatisticSum         Statistic = "Sum"
	StatisticAverage     Statistic = "Average"
	StatisticMaximum     Statistic = "Maximum"
	StatisticMinimum     Statistic = "Minimum"
	StatisticSampleCount Statistic = "SampleCount"
)

// Comparison is how an alarm compares the statistic with its threshold.
type Comparison string

// Comparisons of static-threshold alarms.
const (
	ComparisonGreaterThanOrEqual Comparison = "GreaterThanOrEqualToThreshold"
	ComparisonGreaterThan        Comparison = "GreaterThanThreshold"
	ComparisonLessThan           Comparison = "LessThanThreshold"
	ComparisonLessThanOrEqual    Comparison = "LessThanOrEqualToThreshold"
)

// MissingData is how an alarm treats periods without data.
type MissingData string

// Treatments of missing data.
const (
	MissingDataNotBreaching MissingData = "notBreaching"
	MissingDataBreaching    MissingData = "breaching"
	MissingDataIgnore       MissingData = "ignore"
	MissingDataMissing      MissingData = "missing"
)

var (
	statistics   = []Statistic{StatisticSum, StatisticAverage, StatisticMaximum, StatisticMinimum, StatisticSampleCount}
	comparisons  = []Comparison{ComparisonGreaterThanOrEqual, ComparisonGreaterThan, ComparisonLessThan, ComparisonLessThanOrEqual}
	missingDatas = []MissingData{MissingDataNotBreaching, MissingDataBreaching, MissingDataIgnore, MissingDataMissing}
)

// AlarmArgs configure an Alarm on one metric, e.g. the depth of a
// dead-letter queue (AWS/SQS ApproximateNumberOfMessagesVisible), a stream's
// iterator age (AWS/Lambda IteratorAge), Firehose delivery failures, crawler
// or state machine failures.
type AlarmArgs struct {
	// Namespace is the metric's namespace, e.g. "AWS/SQS". Required.
	Namespace string
	// MetricName is the metric, e.g. "ApproximateNumberOfMessagesVisible".
	// Required.
	MetricName string
	// Dimensions select the metric's series, e.g. {"QueueName": q.Name};
	// at most 30. Default: none.
	Dimensions map[string]pulumi.StringInput
	// Statistic aggregates the metric over each period. Default: Sum.
	Statistic Statistic
	// Threshold is compared with the statistic. Default: 0, which needs a
	// strict Comparison (GreaterThanThreshold: any datapoint above zero);
	// 0 with GreaterThanOrEqualToThreshold is refused, as every datapoint
	// would breach.
	Threshold float64
	// Comparison compares the statistic with Threshold. Default:
	// GreaterThanOrEqualToThreshold.
	Comparison Comparison
	// PeriodSeconds is the length of a period: 10, 20, 30 or a multiple
	// of 60. Default: 60.
	PeriodSeconds int
	// EvaluationPeriods is how many recent periods are evaluated; times
	// PeriodSeconds at most a day (a week for periods of an hour or more).
	// Default: 1.
	EvaluationPeriods int
	// DatapointsToAlarm is how many of those periods must breach (M of N).
	// Default: all of EvaluationPeriods.
	DatapointsToAlarm int
	// TreatMissingData is how periods without data count. Default:
	// notBreaching (no data means nothing failed).
	TreatMissingData MissingData
	// Topic is notified when the alarm fires and when it recovers; it must
	// let cloudwatch.amazonaws.com publish (its default). Default: none.
	Topic *Topic
	// Description is shown with the alarm and in its notifications.
	// Default: none.
	Description string
}

// Alarm is a CloudWatch alarm on one metric that notifies a Topic.
type Alarm struct {
	pulumi.ResourceState

	// Alarm is the underlying alarm, an escape hatch.
	Alarm *cloudwatch.MetricAlarm
	// Name is the physical alarm name (for CodeDeploy rollback alarms).
	Name pulumi.StringOutput
	// Arn is the alarm ARN.
	Arn pulumi.StringOutput
}

func (a AlarmArgs) withDefaults() AlarmArgs {
	a.Statistic = orDefault(a.Statistic, StatisticSum)
	a.Comparison = orDefault(a.Comparison, ComparisonGreaterThanOrEqual)
	a.PeriodSeconds = orDefault(a.PeriodSeconds, DefaultAlarmPeriodSeconds)
	a.EvaluationPeriods = orDefault(a.EvaluationPeriods, DefaultAlarmEvaluationPeriods)
	a.TreatMissingData = orDefault(a.TreatMissingData, MissingDataNotBreaching)
	return a
}

// PutMetricAlarm's limits.
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html
const (
	maxAlarmDimensions  = 30
	maxAlarmDescription = 1024
	maxAlarmName        = 255
)

func (a AlarmArgs) validate(name string) *multierror.Error {
	var errs *multierror.Error
	add := func(format string, args ...any) { errs = multierror.Append(errs, fmt.Errorf(format, args...)) }
	// The provider names the alarm <name>-<7 random> within 255 characters.
	if name == "" || len(name) > maxAlarmName-8 {
		add("name: %q must be 1–%d characters (the alarm is named <name>-<7 random>, at most %d)", name, maxAlarmName-8, maxAlarmName)
	}
	if a.Namespace == "" || len(a.Namespace) > 255 || a.Namespace[0] == ':' {
		add("Namespace: %q must be 1–255 characters not starting with ':', e.g. \"AWS/SQS\"", a.Namespace)
	}
	if a.MetricName == "" || len(a.MetricName) > 255 {
		add("MetricName: %q must be 1–255 characters, e.g. \"ApproximateNumberOfMessagesVisible\"", a.MetricName)
	}
	if n := len(a.Dimensions); n > maxAlarmDimensions {
		add("Dimensions: %d dimensions; CloudWatch allows at most %d", n, maxAlarmDimensions)
	}
	for _, k := range slices.Sorted(maps.Keys(a.Dimensions)) {
		if k == "" || len(k) > 255 {
			add("Dimensions: key %q must be 1–255 characters", k)
		}
	}
	if !slices.Contains(statistics, a.Statistic) {
		add("Statistic: %q is not a statistic; use one of %v", a.Statistic, statistics)
	}
	if !slices.Contains(comparisons, a.Comparison) {
		add("Comparison: %q is not a comparison; use one of %v", a.Comparison, comparisons)
	}
	if a.Threshold == 0 && a.Comparison == ComparisonGreaterThanOrEqual {
		add("Threshold: 0 with %s is met by every datapoint, so the alarm would fire whenever the metric has data; set Threshold (e.g. 1 for any message) or use %s", a.Comparison, ComparisonGreaterThan)
	}
	if !slices.Contains(missingDatas, a.TreatMissingData) {
		add("TreatMissingData: %q is not a treatment; use one of %v", a.TreatMissingData, missingDatas)
	}
	p := a.PeriodSeconds
	if !(p == 10 || p == 20 || p == 30 || (p >= 60 && p%60 == 0)) {
		add("PeriodSeconds: %d is not a CloudWatch period; use 10, 20, 30 or a multiple of 60", p)
	}
	if a.EvaluationPeriods < 1 {
		add("EvaluationPeriods: %d must be at least 1", a.EvaluationPeriods)
	} else if limit := evaluationLimit(p); p > 0 && p*a.EvaluationPeriods > limit {
		add("EvaluationPeriods: %d periods of %d s are %d s; CloudWatch evaluates at most %d s for this period (a day below an hour, a week from an hour up)", a.EvaluationPeriods, p, p*a.EvaluationPeriods, limit)
	}
	if d := a.DatapointsToAlarm; d < 0 || (a.EvaluationPeriods >= 1 && d > a.EvaluationPeriods) {
		add("DatapointsToAlarm: %d must be 1–EvaluationPeriods (%d), or 0 for all of them", d, a.EvaluationPeriods)
	}
	if a.Topic != nil && !a.Topic.allowsPublisher(cloudWatchPrincipal) {
		add("Topic: topic %q does not let %s publish, so the alarm's notifications would be refused; add it to the topic's Publishers", a.Topic.name, cloudWatchPrincipal)
	}
	if n := len(a.Description); n > maxAlarmDescription {
		add("Description: %d characters; CloudWatch allows at most %d", n, maxAlarmDescription)
	}
	return errs
}

// Service principals a Topic's Publishers name: CloudWatch publishes alarm
// notifications, EventBridge the events of an EventAlert.
const (
	PrincipalCloudWatch = "cloudwatch.amazonaws.com"
	PrincipalEvents     = "events.amazonaws.com"
)

// cloudWatchPrincipal is the service that publishes alarm notifications.
const cloudWatchPrincipal = PrincipalCloudWatch

// evaluationLimit is the longest PeriodSeconds × EvaluationPeriods
// PutMetricAlarm accepts.
func evaluationLimit(periodSeconds int) int {
	if periodSeconds < 3600 {
		return 86400
	}
	return 604800
}

// NewAlarm registers an alarm on one metric, notifying Topic on alarm and
// on recovery.
func NewAlarm(ctx *pulumi.Context, name string, args *AlarmArgs, opts ...pulumi.ResourceOption) (*Alarm, error) {
	if args == nil {
		args = &AlarmArgs{}
	}
	a := args.withDefaults()
	if err := invalid(fmt.Sprintf("alarm %q", name), a.validate(name)); err != nil {
		return nil, err
	}
	al := &Alarm{}
	if err := ctx.RegisterComponentResource("kumo:constructs:Alarm", name, al, opts...); err != nil {
		return nil, err
	}
	m := &cloudwatch.MetricAlarmArgs{
		Namespace:          pulumi.String(a.Namespace),
		MetricName:         pulumi.String(a.MetricName),
		Statistic:          pulumi.String(string(a.Statistic)),
		Threshold:          pulumi.Float64(a.Threshold),
		ComparisonOperator: pulumi.String(string(a.Comparison)),
		Period:             pulumi.Int(a.PeriodSeconds),
		EvaluationPeriods:  pulumi.Int(a.EvaluationPeriods),
		TreatMissingData:   pulumi.String(string(a.TreatMissingData)),
	}
	if len(a.Dimensions) > 0 {
		m.Dimensions = pulumi.StringMap(a.Dimensions)
	}
	if a.DatapointsToAlarm > 0 {
		m.DatapointsToAlarm = pulumi.Int(a.DatapointsToAlarm)
	}
	if a.Description != "" {
		m.AlarmDescription = pulumi.String(a.Description)
	}
	var deps []pulumi.Resource
	if a.Topic != nil {
		m.AlarmActions = pulumi.Array{a.Topic.Arn}
		m.OkActions = pulumi.Array{a.Topic.Arn}
		// CloudWatch must be allowed to publish before the alarm can fire.
		deps = append(deps, a.Topic.Policy)
	}
	var err error
	if al.Alarm, err = cloudwatch.NewMetricAlarm(ctx, name, m, pulumi.Parent(al), pulumi.DependsOn(deps)); err != nil {
		return nil, err
	}
	al.Name, al.Arn = al.Alarm.Name, al.Alarm.Arn
	if err := ctx.RegisterResourceOutputs(al, pulumi.Map{"name": al.Name, "arn": al.Arn}); err != nil {
		return nil, err
	}
	return al, nil
}

// Validate reports every problem with the args, defaults applied, as the
// constructor would, without registering anything.
func (a AlarmArgs) Validate(name string) error {
	return invalid(fmt.Sprintf("alarm %q", name), a.withDefaults().validate(name))
}
