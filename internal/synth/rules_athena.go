package synth

import (
	"fmt"
	"regexp"
	"strings"
)

// Sources of the Athena rules.
const (
	srcAthenaCreateWorkGroup = "https://docs.aws.amazon.com/athena/latest/APIReference/API_CreateWorkGroup.html"
	srcAthenaWorkGroupConfig = "https://docs.aws.amazon.com/athena/latest/APIReference/API_WorkGroupConfiguration.html"
	srcAthenaResultConfig    = "https://docs.aws.amazon.com/athena/latest/APIReference/API_ResultConfiguration.html"
	srcAthenaEncryption      = "https://docs.aws.amazon.com/athena/latest/APIReference/API_EncryptionConfiguration.html"
	srcAthenaEngineVersion   = "https://docs.aws.amazon.com/athena/latest/APIReference/API_EngineVersion.html"
	// pulumi-aws v6.83 athena.WorkgroupConfigurationArgs
	// BytesScannedCutoffPerQuery: "Must be at least `10485760`"
	// (terraform-provider-aws validates it with IntAtLeast(10485760)).
	srcProviderAthenaCutoff = "pulumi-aws v6.83 athena.WorkgroupConfigurationArgs BytesScannedCutoffPerQuery (Must be at least 10485760); " + srcAthenaWorkGroupConfig
)

// athenaMinCutoff is the smallest per-query scan cutoff, 10 MiB.
const athenaMinCutoff = 10485760

var athenaSpecs = map[string]Spec{
	"aws:athena/workgroup:Workgroup": {
		Names: []Name{{Prop: "name", Auto: &Autoname{Max: 255, Sep: "-", Source: srcProviderAutonaming},
			Rule: StringRule{Pattern: regexp.MustCompile(`^[a-zA-Z0-9._-]+$`), Min: 1, Max: 128,
				Desc: "a workgroup name is 1–128 letters, digits, '.', '_' or '-'", Source: srcAthenaCreateWorkGroup}}},
		Checks: []Check{
			oneOf(srcAthenaCreateWorkGroup, "state", "ENABLED", "DISABLED"),
			intRange(srcProviderAthenaCutoff, "configuration.bytesScannedCutoffPerQuery", athenaMinCutoff, 1<<63-1),
			oneOf(srcAthenaEncryption, "configuration.resultConfiguration.encryptionConfiguration.encryptionOption", "SSE_S3", "SSE_KMS", "CSE_KMS"),
			{Rule: "KMS encryption of query results (SSE_KMS, CSE_KMS) names its key in kmsKeyArn", Source: srcAthenaEncryption,
				Find: func(r *Resource, _ *Stack) []Finding {
					const enc = "configuration.resultConfiguration.encryptionConfiguration"
					if o, _ := r.String(enc + ".encryptionOption"); o == "SSE_KMS" || o == "CSE_KMS" {
						if _, ok := r.Value(enc + ".kmsKeyArn"); !ok {
							return []Finding{{Property: enc + ".kmsKeyArn", Value: o}}
						}
					}
					return nil
				}},
			{Rule: "the results location is an s3:// URL", Source: srcAthenaResultConfig,
				Find: func(r *Resource, _ *Stack) []Finding {
					if l, ok := r.String("configuration.resultConfiguration.outputLocation"); ok && !strings.HasPrefix(l, "s3://") {
						return []Finding{{Property: "configuration.resultConfiguration.outputLocation", Value: l}}
					}
					return nil
				}},
			matches("configuration.engineVersion.selectedEngineVersion", StringRule{
				Pattern: regexp.MustCompile(`^(AUTO|Athena engine version [0-9]+|PySpark engine version [0-9]+)$`), Min: 1, Max: 128,
				Desc: fmt.Sprintf("selectedEngineVersion is %q or an engine version such as %q", "AUTO", "Athena engine version 3"), Source: srcAthenaEngineVersion}),
			analyticsUnique("aws:athena/workgroup:Workgroup", "name", "", srcAthenaCreateWorkGroup),
		},
	},
}
