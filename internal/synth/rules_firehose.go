package synth

import (
	"encoding/json"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/kumo-iac/kumo/internal/pipelinerules"
)

// Sources of the Firehose (and Firehose's CloudWatch Logs) rules. The API
// shapes (names, lengths, patterns, ranges, enumerations) are the service
// model's, as the API reference pages print them.
const (
	srcFirehoseCreate     = "https://docs.aws.amazon.com/firehose/latest/APIReference/API_CreateDeliveryStream.html"
	srcFirehoseBuffering  = "https://docs.aws.amazon.com/firehose/latest/APIReference/API_BufferingHints.html"
	srcFirehoseSSE        = "https://docs.aws.amazon.com/firehose/latest/APIReference/API_DeliveryStreamEncryptionConfigurationInput.html"
	srcFirehoseProcessor  = "https://docs.aws.amazon.com/firehose/latest/APIReference/API_Processor.html"
	srcFirehoseParameter  = "https://docs.aws.amazon.com/firehose/latest/APIReference/API_ProcessorParameter.html"
	srcFirehoseLogging    = "https://docs.aws.amazon.com/firehose/latest/APIReference/API_CloudWatchLoggingOptions.html"
	srcFirehoseTransform  = "https://docs.aws.amazon.com/firehose/latest/dev/data-transformation.html"
	srcLogsCreateLogStrem = "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogStream.html"
	// The API reference allows SizeInMBs 1–128 whatever the stream; with
	// dynamic partitioning Firehose raises the floor to 64 MiB (the
	// console's minimum there, and the size every dynamic partitioning
	// example of the provider docs sets, linking dynamic-partitioning.html),
	// and "Zero buffering feature is not available for dynamic
	// partitioning".
	srcFirehosePartitionBuffer = "https://docs.aws.amazon.com/firehose/latest/dev/buffering.html; pulumi-aws sdk/v6 go/aws/kinesis/firehoseDeliveryStream.go dynamic partitioning examples (BufferingSize 64); " + pipelinerules.SrcFirehosePartitioning
	// terraform-provider-aws internal/service/firehose/delivery_stream.go
	// validates destination with StringInSlice(destinationType values) and
	// reads only the configuration block the destination names.
	srcTFFirehoseDestination = "terraform-provider-aws internal/service/firehose/delivery_stream.go destination (validation.StringInSlice of the destinationType values) and its *_configuration blocks"
	// "Server-side encryption should not be enabled when a kinesis stream
	// is configured as the source" (provider docs); Firehose keeps no data
	// at rest then and refuses SSE.
	srcFirehoseSSEKinesis = "pulumi-aws sdk/v6 go/aws/kinesis/firehoseDeliveryStream.go serverSideEncryption note; https://docs.aws.amazon.com/firehose/latest/dev/encryption.html"
	// CreateDeliveryStream checks that Firehose can assume the role and
	// reach the destination with it; created alongside, the role's inline
	// policies must exist first or creation fails until a second run
	// (hashicorp/terraform-provider-aws#3380). AWS documents no ordering;
	// the failure is what the provider issue records.
	srcFirehoseRoleOrdering = "github.com/hashicorp/terraform-provider-aws/issues/3380 (delivery stream created before its role's policy fails on the first run); " + srcFirehoseCreate
	// KinesisStreamSourceConfiguration: KinesisStreamARN and RoleARN
	// required; Firehose reads the stream with the role, which needs
	// kinesis:DescribeStream, GetShardIterator, GetRecords and ListShards
	// on it ("Grant Firehose access to … a Kinesis data stream as source").
	srcFirehoseKinesisSource = "https://docs.aws.amazon.com/firehose/latest/APIReference/API_KinesisStreamSourceConfiguration.html; https://docs.aws.amazon.com/firehose/latest/dev/controlling-access.html"
)

// firehoseDestinations maps each destination value the provider accepts to
// the configuration block it reads.
var firehoseDestinations = map[string]string{
	"extended_s3":          "extendedS3Configuration",
	"redshift":             "redshiftConfiguration",
	"elasticsearch":        "elasticsearchConfiguration",
	"opensearch":           "opensearchConfiguration",
	"opensearchserverless": "opensearchserverlessConfiguration",
	"splunk":               "splunkConfiguration",
	"http_endpoint":        "httpEndpointConfiguration",
	"snowflake":            "snowflakeConfiguration",
	"iceberg":              "icebergConfiguration",
}

// firehoseS3 is the property path of the extended S3 destination, and
// firehoseKinesisSource of a Kinesis data stream source.
const (
	firehoseS3            = "extendedS3Configuration"
	firehoseKinesisSource = "kinesisSourceConfiguration"
)

var (
	// RoleARN and BucketARN of ExtendedS3DestinationConfiguration.
	firehoseRoleArn   = regexp.MustCompile(`^arn:.*:iam::\d{12}:role/[a-zA-Z_0-9+=,.@\-_/]+$`)
	firehoseBucketArn = regexp.MustCompile(`^arn:.*:s3:::[\w\.\-]{1,255}$`)
	// KinesisStreamARN of KinesisStreamSourceConfiguration.
	firehoseStreamArn = regexp.MustCompile(`^arn:.*:kinesis:[a-zA-Z0-9\-]+:\d{12}:stream/[a-zA-Z0-9_.-]+$`)
	// AWSKMSKeyARNForSSE.
	firehoseKeyArn = regexp.MustCompile(`^arn:.*:kms:[a-zA-Z0-9\-]+:\d{12}:(key|alias)/[a-zA-Z_0-9+=,.@\-_/]+$`)
)

var firehoseProcessorTypes = []string{"RecordDeAggregation", "Decompression", "CloudWatchLogProcessing", "Lambda",
	"MetadataExtraction", "AppendDelimiterToRecord"}

var firehoseParameterNames = []string{"LambdaArn", "NumberOfRetries", "MetadataExtractionQuery", "JsonParsingEngine",
	"RoleArn", "BufferSizeInMBs", "BufferIntervalInSeconds", "SubRecordType", "Delimiter", "CompressionFormat",
	"DataMessageExtraction"}

var firehoseSpecs = map[string]Spec{
	"aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream": {
		Names: []Name{{Prop: "name", Auto: &Autoname{Max: 255, Sep: "-", Source: srcProviderAutonaming},
			Rule: StringRule{Pattern: regexp.MustCompile(`^[a-zA-Z0-9_.-]+$`), Min: 1, Max: 64,
				Desc: "a delivery stream name is 1–64 letters, digits, '_', '.' or '-'", Source: srcFirehoseCreate}}},
		Checks: []Check{
			required(srcTFFirehoseDestination, "destination"),
			oneOf(srcTFFirehoseDestination, "destination", slices.Sorted(maps.Keys(firehoseDestinations))...),
			{Rule: "the configuration block the destination names is set", Source: srcTFFirehoseDestination,
				Find: func(r *Resource, _ *Stack) []Finding {
					d, ok := r.String("destination")
					block, known := firehoseDestinations[d]
					if !ok || !known {
						return nil
					}
					if _, set := r.Value(block); !set {
						return []Finding{{Property: block, Value: "(not set for destination " + d + ")"}}
					}
					return nil
				}},
			requiredIn(srcFirehoseCreate, firehoseS3, "roleArn", "bucketArn"),
			requiredIn(srcFirehoseKinesisSource, firehoseKinesisSource, "kinesisStreamArn", "roleArn"),
			matches(firehoseKinesisSource+".kinesisStreamArn", StringRule{Pattern: firehoseStreamArn, Min: 1, Max: 512,
				Desc: "kinesisStreamArn is a Kinesis data stream ARN", Source: srcFirehoseKinesisSource}),
			matches(firehoseKinesisSource+".roleArn", StringRule{Pattern: firehoseRoleArn, Min: 1, Max: 512,
				Desc: "roleArn is an IAM role ARN", Source: srcFirehoseKinesisSource}),
			matches(firehoseS3+".roleArn", StringRule{Pattern: firehoseRoleArn, Min: 1, Max: 512,
				Desc: "roleArn is an IAM role ARN", Source: srcFirehoseCreate}),
			matches(firehoseS3+".bucketArn", StringRule{Pattern: firehoseBucketArn, Min: 1, Max: 2048,
				Desc: "bucketArn is an S3 bucket ARN", Source: srcFirehoseCreate}),
			intRange(srcFirehoseBuffering, firehoseS3+".bufferingSize", 1, 128),
			intRange(srcFirehoseBuffering, firehoseS3+".bufferingInterval", 0, 900),
			oneOf(srcFirehoseCreate, firehoseS3+".compressionFormat", "UNCOMPRESSED", "GZIP", "ZIP", "Snappy", "HADOOP_SNAPPY"),
			oneOf(srcFirehoseCreate, firehoseS3+".s3BackupMode", "Disabled", "Enabled"),
			{Rule: "s3BackupMode Enabled needs s3BackupConfiguration with bucketArn and roleArn", Source: srcFirehoseCreate,
				Find: func(r *Resource, _ *Stack) []Finding {
					if m, _ := r.String(firehoseS3 + ".s3BackupMode"); m != "Enabled" {
						return nil
					}
					var fs []Finding
					for _, p := range []string{"bucketArn", "roleArn"} {
						if _, ok := r.Value(firehoseS3 + ".s3BackupConfiguration." + p); !ok {
							fs = append(fs, Finding{Property: firehoseS3 + ".s3BackupConfiguration." + p})
						}
					}
					return fs
				}},
			{Rule: "Prefix and ErrorOutputPrefix follow Firehose's expression rules", Source: pipelinerules.SrcFirehosePrefixes + "; " + pipelinerules.SrcFirehosePartitioning + "; " + pipelinerules.SrcFirehoseS3Config,
				Find: firehosePrefixes},
			{Rule: "with dynamic partitioning, bufferingSize is at least 64 MB and bufferingInterval is not 0", Source: srcFirehosePartitionBuffer,
				Find: func(r *Resource, _ *Stack) []Finding {
					if on, _ := r.Value(firehoseS3 + ".dynamicPartitioningConfiguration.enabled"); on != true {
						return nil
					}
					var fs []Finding
					size, set := r.Value(firehoseS3 + ".bufferingSize")
					if n, isInt := asInt(size); !set || isInt && n < 64 {
						if !set {
							size = "(not set: 5)"
						}
						fs = append(fs, Finding{Property: firehoseS3 + ".bufferingSize", Value: size})
					}
					if iv, set := r.Value(firehoseS3 + ".bufferingInterval"); set {
						if n, isInt := asInt(iv); isInt && n == 0 {
							fs = append(fs, Finding{Property: firehoseS3 + ".bufferingInterval", Value: iv})
						}
					}
					return fs
				}},
			oneOf(srcFirehoseProcessor, firehoseS3+".processingConfiguration.processors[].type", firehoseProcessorTypes...),
			oneOf(srcFirehoseParameter, firehoseS3+".processingConfiguration.processors[].parameters[].parameterName", firehoseParameterNames...),
			matches(firehoseS3+".processingConfiguration.processors[].parameters[].parameterValue", StringRule{
				Pattern: regexp.MustCompile(`\S`), Min: 1, Max: 5120, Desc: "a processor parameter value is 1–5120 characters, not only white space", Source: srcFirehoseParameter}),
			{Rule: "a Lambda processor's BufferSizeInMBs is 0.2–3 and BufferIntervalInSeconds 0–900", Source: srcFirehoseTransform + "; " + srcFirehoseParameter,
				Find: firehoseLambdaBuffers},
			firehoseLogging(firehoseS3),
			firehoseLogging(firehoseS3 + ".s3BackupConfiguration"),
			oneOf(srcFirehoseSSE, "serverSideEncryption.keyType", "AWS_OWNED_CMK", "CUSTOMER_MANAGED_CMK"),
			matches("serverSideEncryption.keyArn", StringRule{Pattern: firehoseKeyArn, Min: 1, Max: 512,
				Desc: "keyArn is a KMS key or alias ARN", Source: srcFirehoseSSE}),
			{Rule: "keyType CUSTOMER_MANAGED_CMK needs keyArn", Source: srcFirehoseSSE,
				Find: func(r *Resource, _ *Stack) []Finding {
					if k, _ := r.String("serverSideEncryption.keyType"); k == "CUSTOMER_MANAGED_CMK" {
						if _, ok := r.Value("serverSideEncryption.keyArn"); !ok {
							return []Finding{{Property: "serverSideEncryption.keyArn"}}
						}
					}
					return nil
				}},
			{Rule: "server-side encryption is not enabled on a stream that reads from a Kinesis data stream (the source stream keeps the data)", Source: srcFirehoseSSEKinesis,
				Find: func(r *Resource, _ *Stack) []Finding {
					_, kinesis := r.Value("kinesisSourceConfiguration")
					if on, _ := r.Value("serverSideEncryption.enabled"); kinesis && on == true {
						return []Finding{{Property: "serverSideEncryption.enabled", Value: true}}
					}
					return nil
				}},
			{Rule: "the delivery stream is created after the inline policies of its role: depend on them", Source: srcFirehoseRoleOrdering,
				Find: func(r *Resource, s *Stack) []Finding {
					var fs []Finding
					for _, p := range []string{firehoseS3 + ".roleArn", firehoseS3 + ".s3BackupConfiguration.roleArn", firehoseKinesisSource + ".roleArn"} {
						fs = append(fs, afterRolePolicies(r, s, p, nil)...)
					}
					return fs
				}},
		},
	},

	// Firehose's error logging writes to a log stream kumo creates, as
	// CloudWatchLoggingOptions names a group and a stream.
	"aws:cloudwatch/logStream:LogStream": {
		Names: []Name{{Prop: "name", Auto: &Autoname{Max: 255, Sep: "-", Source: srcProviderAutonaming},
			Rule: StringRule{Pattern: regexp.MustCompile(`^[^:*]+$`), Min: 1, Max: 512,
				Desc: "a log stream name is 1–512 characters without ':' or '*'", Source: srcLogsCreateLogStrem}}},
		Checks: []Check{required(srcLogsCreateLogStrem, "logGroupName")},
	},
}

// requiredIn: when block is set, each of its props must be.
func requiredIn(source, block string, props ...string) Check {
	return Check{
		Rule:   "required by the API",
		Source: source,
		Find: func(r *Resource, _ *Stack) []Finding {
			if _, set := r.Value(block); !set {
				return nil
			}
			var fs []Finding
			for _, p := range props {
				if v, ok := r.Value(block + "." + p); !ok || v == "" {
					fs = append(fs, Finding{Property: block + "." + p})
				}
			}
			return fs
		},
	}
}

// firehoseLogging: enabled CloudWatch logging names a group and a stream
// ("This value is required if CloudWatch logging is enabled"), a group of
// [.-_/#A-Za-z0-9]* and a stream without ':' or '*', 0–512 each.
func firehoseLogging(block string) Check {
	opts := block + ".cloudwatchLoggingOptions"
	group := regexp.MustCompile(`^[.\-_/#A-Za-z0-9]*$`)
	return Check{
		Rule:   "enabled CloudWatch logging names a log group ([.-_/#A-Za-z0-9]) and a log stream (no ':' or '*'), each at most 512 characters",
		Source: srcFirehoseLogging,
		Find: func(r *Resource, _ *Stack) []Finding {
			var fs []Finding
			for _, p := range []struct {
				prop string
				ok   func(string) bool
			}{{"logGroupName", group.MatchString}, {"logStreamName", func(s string) bool { return !strings.ContainsAny(s, ":*") }}} {
				v, set := r.Value(opts + "." + p.prop)
				s, known := r.String(opts + "." + p.prop)
				switch {
				case set && known && (len(s) > 512 || !p.ok(s)):
					fs = append(fs, Finding{Property: opts + "." + p.prop, Value: s})
				case !set || v == "":
					if on, _ := r.Value(opts + ".enabled"); on == true {
						fs = append(fs, Finding{Property: opts + "." + p.prop})
					}
				}
			}
			return fs
		},
	}
}

// firehosePrefixes applies pipelinerules.PrefixProblems to the extended S3
// destination, with what the stream says about partitioning.
func firehosePrefixes(r *Resource, _ *Stack) []Finding {
	if _, set := r.Value(firehoseS3); !set {
		return nil
	}
	prefix, pOK := r.String(firehoseS3 + ".prefix")
	errPrefix, eOK := r.String(firehoseS3 + ".errorOutputPrefix")
	if _, set := r.Value(firehoseS3 + ".prefix"); set && !pOK {
		return nil // unknown until deploy
	}
	if _, set := r.Value(firehoseS3 + ".errorOutputPrefix"); set && !eOK {
		return nil
	}
	on, _ := r.Value(firehoseS3 + ".dynamicPartitioningConfiguration.enabled")
	opt := pipelinerules.PrefixOptions{Partitioning: on == true}
	for _, p := range values(r, firehoseS3+".processingConfiguration.processors[]") {
		proc, _ := p.(map[string]any)
		typ, _ := proc["type"].(string)
		opt.Lambda = opt.Lambda || typ == "Lambda"
		if typ != "MetadataExtraction" {
			continue
		}
		params, _ := proc["parameters"].([]any)
		for _, pa := range params {
			param, _ := pa.(map[string]any)
			if param["parameterName"] == "MetadataExtractionQuery" {
				if q, ok := param["parameterValue"].(string); ok && !isPlaceholder(q) {
					opt.QueryKeys = append(opt.QueryKeys, pipelinerules.QueryKeys(q)...)
				}
			}
		}
	}
	var fs []Finding
	for _, p := range pipelinerules.PrefixProblems(prefix, errPrefix, opt) {
		prop := firehoseS3 + ".prefix"
		if p.Path == "ErrorOutputPrefix" {
			prop = firehoseS3 + ".errorOutputPrefix"
		}
		fs = append(fs, Finding{Property: prop, Value: p.Msg})
	}
	return fs
}

// firehoseLambdaBuffers checks the numeric parameters of Lambda
// processors, which the API carries as strings.
func firehoseLambdaBuffers(r *Resource, _ *Stack) []Finding {
	var fs []Finding
	for _, p := range values(r, firehoseS3+".processingConfiguration.processors[]") {
		proc, _ := p.(map[string]any)
		if proc["type"] != "Lambda" {
			continue
		}
		params, _ := proc["parameters"].([]any)
		for _, pa := range params {
			param, _ := pa.(map[string]any)
			name, _ := param["parameterName"].(string)
			val, _ := param["parameterValue"].(string)
			n, err := strconv.ParseFloat(val, 64)
			bad := false
			switch name {
			case "BufferSizeInMBs":
				bad = err != nil || n < 0.2 || n > 3
			case "BufferIntervalInSeconds":
				bad = err != nil || n < 0 || n > 900 || n != float64(int64(n))
			default:
				continue
			}
			if bad && !isPlaceholder(val) {
				fs = append(fs, Finding{Property: firehoseS3 + ".processingConfiguration.processors[].parameters[" + name + "]", Value: val})
			}
		}
	}
	return fs
}

// afterRolePolicies finds the inline policies of the role whose ARN is at
// prop that r is not ordered after; wants, when set, keeps only the
// policies it accepts (and then one ordered policy is enough).
func afterRolePolicies(r *Resource, s *Stack, prop string, wants func(policy string) bool) []Finding {
	arn, ok := r.String(prop)
	if !ok {
		return nil
	}
	return afterRoleArnPolicies(r, s, prop, arn, wants)
}

// afterRoleArnPolicies is afterRolePolicies for a role ARN read elsewhere
// (inside a list), reported at prop.
func afterRoleArnPolicies(r *Resource, s *Stack, prop, arn string, wants func(policy string) bool) []Finding {
	name := roleName(arn)
	policies := s.index("role", "aws:iam/rolePolicy:RolePolicy", func(p *Resource) (string, bool) {
		role, _ := p.String("role")
		return roleName(role), true
	})[name]
	var missing []string
	for _, p := range policies {
		doc, _ := p.String("policy")
		if wants != nil && !wants(doc) {
			continue
		}
		if s.DependsOn(r, p) {
			if wants != nil {
				return nil
			}
			continue
		}
		missing = append(missing, p.Name)
	}
	if len(missing) == 0 {
		return nil
	}
	return []Finding{{Property: prop, Value: "(not after inline policies " + strings.Join(missing, ", ") + ")"}}
}

// policyAllows reports whether a policy document allows action, directly
// or through a service or global wildcard.
func policyAllows(doc, action string) bool {
	var p struct {
		Statement []struct {
			Effect string
			Action any
		}
	}
	if json.Unmarshal([]byte(doc), &p) != nil {
		return false
	}
	service, _, _ := strings.Cut(action, ":")
	for _, st := range p.Statement {
		if st.Effect != "Allow" {
			continue
		}
		var acts []string
		switch a := st.Action.(type) {
		case string:
			acts = []string{a}
		case []any:
			for _, e := range a {
				if s, ok := e.(string); ok {
					acts = append(acts, s)
				}
			}
		}
		for _, a := range acts {
			if a == action || a == "*" || a == service+":*" {
				return true
			}
		}
	}
	return false
}
