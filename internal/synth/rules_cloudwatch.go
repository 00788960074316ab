package synth

import (
	"fmt"
	"regexp"
	"strconv"
)

// Sources of the CloudWatch and CloudWatch Logs rules.
const (
	srcLogsCreateLogGroup   = "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html"
	srcLogsPutRetention     = "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html"
	srcCloudWatchPutAlarm   = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html"
	srcCloudWatchStatistics = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Statistics-definitions.html"
	srcLogsPutMetricFilter  = "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutMetricFilter.html"
	// MetricTransformation: metricName and metricNamespace "Maximum length
	// of 255. Pattern: [^:*$]*", metricValue "Maximum length of 100"
	// (required), defaultValue a Double.
	srcLogsMetricTransformation = "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_MetricTransformation.html"
	// The provider refuses a transformation with both: defaultValue
	// "Conflicts with `dimensions`" (pulumi-aws sdk v6
	// cloudwatch/pulumiTypes.go LogMetricFilterMetricTransformation).
	srcProviderMetricFilterDefault = "pulumi-aws sdk/v6 go/aws/cloudwatch/pulumiTypes.go LogMetricFilterMetricTransformation (defaultValue: Conflicts with dimensions); " + srcLogsMetricTransformation
	// PutMetricFilter on a log group that does not exist fails with
	// ResourceNotFoundException ("The specified log group does not exist").
	srcLogsMetricFilterGroup = srcLogsPutMetricFilter + " (Errors: ResourceNotFoundException)"
)

// logGroupName is CreateLogGroup's and PutMetricFilter's logGroupName.
var logGroupName = StringRule{Pattern: regexp.MustCompile(`^[.\-_/#A-Za-z0-9]+$`), Min: 1, Max: 512,
	Desc: "a log group name is 1–512 of a–z, A–Z, 0–9, '_', '-', '/', '.', '#'", Source: srcLogsPutMetricFilter}

// metricNamePart is MetricTransformation's metricName and metricNamespace.
var metricNamePart = StringRule{Pattern: regexp.MustCompile(`^[^:*$]*$`), Max: 255,
	Desc: "a metric filter's metric name and namespace are at most 255 characters without ':', '*' or '$'", Source: srcLogsMetricTransformation}

// logRetentionDays are the values PutRetentionPolicy accepts.
var logRetentionDays = []int64{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

// kmsKeyArn is a KMS key ARN: CreateLogGroup's kmsKeyId is "The Amazon
// Resource Name (ARN) of the KMS key to use when encrypting log data";
// a key ID or an alias is refused.
var kmsKeyArn = regexp.MustCompile(`^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[A-Za-z0-9-]+$`)

var percentileStat = regexp.MustCompile(`^p(\d{1,2}(\.\d{1,10})?|100)$`)

var cloudwatchSpecs = map[string]Spec{
	"aws:cloudwatch/logGroup:LogGroup": {
		Names: []Name{{Prop: "name", PrefixProp: "namePrefix",
			Auto: &Autoname{Max: 255, Sep: "-", Source: srcProviderAutonaming},
			Rule: StringRule{Pattern: logGroupName.Pattern, Min: 1, Max: 512, Desc: logGroupName.Desc, Source: srcLogsCreateLogGroup}}},
		Checks: []Check{
			{Rule: fmt.Sprintf("retentionInDays is 0 (never expire) or one of %v", logRetentionDays), Source: srcLogsPutRetention,
				Find: func(r *Resource, _ *Stack) []Finding {
					v, ok := r.Value("retentionInDays")
					if !ok {
						return nil
					}
					n, isInt := asInt(v)
					if !isInt || n == 0 {
						return nil
					}
					for _, d := range logRetentionDays {
						if n == d {
							return nil
						}
					}
					return []Finding{{Property: "retentionInDays", Value: v}}
				}},
			oneOf(srcLogsCreateLogGroup, "logGroupClass", "STANDARD", "INFREQUENT_ACCESS"),
			{Rule: "kmsKeyId is a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>), not a key ID or an alias", Source: srcLogsCreateLogGroup + " (kmsKeyId)",
				Find: func(r *Resource, _ *Stack) []Finding {
					v, ok := r.String("kmsKeyId")
					if !ok || v == "" || isPlaceholder(v) || kmsKeyArn.MatchString(v) {
						return nil
					}
					return []Finding{{Property: "kmsKeyId", Value: v}}
				}},
		},
	},

	"aws:cloudwatch/metricAlarm:MetricAlarm": {
		Names: []Name{{Prop: "name", Auto: &Autoname{Max: 255, Sep: "-", Source: srcProviderAutonaming},
			Rule: StringRule{Min: 1, Max: 255, Desc: "an alarm name is 1–255 characters", Source: srcCloudWatchPutAlarm}}},
		Checks: []Check{
			required(srcCloudWatchPutAlarm, "comparisonOperator", "evaluationPeriods"),
			oneOf(srcCloudWatchPutAlarm, "comparisonOperator", "GreaterThanOrEqualToThreshold", "GreaterThanThreshold",
				"LessThanThreshold", "LessThanOrEqualToThreshold", "LessThanLowerOrGreaterThanUpperThreshold",
				"LessThanLowerThreshold", "GreaterThanUpperThreshold"),
			oneOf(srcCloudWatchPutAlarm, "statistic", "SampleCount", "Average", "Sum", "Minimum", "Maximum"),
			oneOf(srcCloudWatchPutAlarm, "treatMissingData", "breaching", "notBreaching", "ignore", "missing"),
			intRange(srcCloudWatchPutAlarm, "evaluationPeriods", 1, 1<<31-1),
			{Rule: "datapointsToAlarm is 1 to evaluationPeriods", Source: srcCloudWatchPutAlarm,
				Find: func(r *Resource, _ *Stack) []Finding {
					d, dok := r.Value("datapointsToAlarm")
					e, eok := r.Value("evaluationPeriods")
					dn, _ := asInt(d)
					en, _ := asInt(e)
					if dok && eok && (dn < 1 || dn > en) {
						return []Finding{{Property: "datapointsToAlarm", Value: d}}
					}
					return nil
				}},
			{Rule: "period is 10, 20, 30 or a multiple of 60 seconds", Source: srcCloudWatchPutAlarm,
				Find: func(r *Resource, _ *Stack) []Finding {
					v, ok := r.Value("period")
					if !ok {
						return nil
					}
					n, _ := asInt(v)
					if n == 10 || n == 20 || n == 30 || (n >= 60 && n%60 == 0) {
						return nil
					}
					return []Finding{{Property: "period", Value: v}}
				}},
			// "Period multiplied by EvaluationPeriods can't be more than
			// 604,800 seconds. For alarms with a period of less than one hour
			// (3,600 seconds), the total evaluation period can't be longer
			// than one day (86,400 seconds)."
			{Rule: "period × evaluationPeriods is at most 7 days (604,800 s), and at most 1 day (86,400 s) for periods under an hour", Source: srcCloudWatchPutAlarm,
				Find: func(r *Resource, _ *Stack) []Finding {
					p, pok := r.Value("period")
					e, eok := r.Value("evaluationPeriods")
					pn, _ := asInt(p)
					en, _ := asInt(e)
					limit := int64(604800)
					if pn < 3600 {
						limit = 86400
					}
					if pok && eok && pn*en > limit {
						return []Finding{{Property: "evaluationPeriods", Value: fmt.Sprintf("%d × %d s = %d s", en, pn, pn*en)}}
					}
					return nil
				}},
			// AlarmActions, OKActions, InsufficientDataActions: "Array
			// Members: Maximum number of 5 items."
			{Rule: "an alarm has at most 5 actions per state", Source: srcCloudWatchPutAlarm,
				Find: func(r *Resource, _ *Stack) []Finding {
					var fs []Finding
					for _, p := range []string{"alarmActions", "okActions", "insufficientDataActions"} {
						if n := len(values(r, p+"[]")); n > 5 {
							fs = append(fs, Finding{Property: p, Value: fmt.Sprintf("%d actions", n)})
						}
					}
					return fs
				}},
			{Rule: "a metric alarm names either statistic or extendedStatistic (pNN), exactly one, unless it uses metricQueries", Source: srcCloudWatchPutAlarm,
				Find: func(r *Resource, _ *Stack) []Finding {
					if _, q := r.Value("metricQueries"); q {
						return nil
					}
					_, st := r.Value("statistic")
					ext, ex := r.Value("extendedStatistic")
					switch {
					case st == ex:
						return []Finding{{Property: "statistic", Value: ext}}
					case ex && !percentileStat.MatchString(fmt.Sprint(ext)):
						return []Finding{{Property: "extendedStatistic", Value: ext}}
					}
					return nil
				}},
			{Rule: "a metric alarm without metricQueries needs metricName, namespace and period", Source: srcCloudWatchPutAlarm,
				Find: func(r *Resource, _ *Stack) []Finding {
					if _, q := r.Value("metricQueries"); q {
						return nil
					}
					var fs []Finding
					for _, p := range []string{"metricName", "namespace", "period"} {
						if _, ok := r.Value(p); !ok {
							fs = append(fs, Finding{Property: p})
						}
					}
					return fs
				}},
			{Rule: "threshold is a number unless the alarm uses an anomaly detection band (thresholdMetricId)", Source: srcCloudWatchPutAlarm,
				Find: func(r *Resource, _ *Stack) []Finding {
					if _, band := r.Value("thresholdMetricId"); band {
						return nil
					}
					v, ok := r.Value("threshold")
					if !ok {
						return []Finding{{Property: "threshold"}}
					}
					if _, err := strconv.ParseFloat(fmt.Sprint(v), 64); err != nil {
						return []Finding{{Property: "threshold", Value: v}}
					}
					return nil
				}},
		},
	},

	// A metric filter turns matching log events into a metric, for alarms
	// on what a function logs (constructs.ExpectedErrors).
	"aws:cloudwatch/logMetricFilter:LogMetricFilter": {
		// PutMetricFilter's filterName: "Length Constraints: Minimum length
		// of 1. Maximum length of 512. Pattern: [^:*]*".
		Names: []Name{{Prop: "name", Auto: &Autoname{Max: 255, Sep: "-", Source: srcProviderAutonaming},
			Rule: StringRule{Pattern: regexp.MustCompile(`^[^:*]*$`), Min: 1, Max: 512,
				Desc: "a metric filter name is 1–512 characters without ':' or '*'", Source: srcLogsPutMetricFilter}}},
		Checks: []Check{
			required(srcLogsPutMetricFilter, "logGroupName", "metricTransformation.name", "metricTransformation.namespace", "metricTransformation.value"),
			// filterPattern: "Length Constraints: Minimum length of 0. Maximum
			// length of 1024." An empty pattern matches every event.
			matches("pattern", StringRule{Max: 1024, Desc: "a filter pattern is at most 1024 characters", Source: srcLogsPutMetricFilter}),
			matches("logGroupName", logGroupName),
			matches("metricTransformation.name", metricNamePart),
			matches("metricTransformation.namespace", metricNamePart),
			matches("metricTransformation.value", StringRule{Max: 100, Desc: "a metric value is at most 100 characters", Source: srcLogsMetricTransformation}),
			{Rule: "defaultValue is a number (a Double)", Source: srcLogsMetricTransformation,
				Find: func(r *Resource, _ *Stack) []Finding {
					v, ok := r.String("metricTransformation.defaultValue")
					if !ok {
						return nil
					}
					if _, err := strconv.ParseFloat(v, 64); err != nil {
						return []Finding{{Property: "metricTransformation.defaultValue", Value: v}}
					}
					return nil
				}},
			{Rule: "defaultValue and dimensions conflict: a metric with dimensions has no default value", Source: srcProviderMetricFilterDefault,
				Find: func(r *Resource, _ *Stack) []Finding {
					d, dok := r.Value("metricTransformation.defaultValue")
					dims, _ := r.Value("metricTransformation.dimensions")
					if m, _ := dims.(map[string]any); dok && len(m) > 0 {
						return []Finding{{Property: "metricTransformation.defaultValue", Value: d}}
					}
					return nil
				}},
			{Rule: "a metric filter's log group must exist first: depend on the log group this stack creates with that name", Source: srcLogsMetricFilterGroup,
				Find: func(r *Resource, s *Stack) []Finding {
					name, ok := r.String("logGroupName")
					if !ok {
						return nil
					}
					groups := s.named("aws:cloudwatch/logGroup:LogGroup", "name", name)
					if len(groups) == 0 {
						return nil // made elsewhere: not this stack's to order
					}
					for _, g := range groups {
						if s.DependsOn(r, g) {
							return nil
						}
					}
					return []Finding{{Property: "logGroupName", Value: name + " (created in this stack, but not before the filter)"}}
				}},
		},
	},
}
