package synth

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/kumo-iac/kumo/internal/awsregions"
)

const srcDynamoCreateTable = "https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_CreateTable.html"

// Sources of the global table (replica) rules.
const (
	// UpdateTable ReplicaUpdates (global tables version 2019.11.21): "To
	// create a replica, the table must have DynamoDB Streams enabled …
	// with NEW_AND_OLD_IMAGES" (the how-it-works requirements), and a
	// replica lives in another region than the table.
	srcDynamoReplicas = "https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateTable.html (ReplicaUpdates); https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/V2globaltables_reqs_bestpractices.html"
	// CreateReplicationGroupMemberAction KMSMasterKeyId: the key of the new
	// replica; a KMS key is regional, so a table encrypted with a customer
	// managed key needs one in each replica's region.
	srcDynamoReplicaKMS = "https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_CreateReplicationGroupMemberAction.html (KMSMasterKeyId); https://docs.aws.amazon.com/kms/latest/developerguide/multi-region-keys-overview.html (a key is used in its region)"
)

// kmsArnRegion is the region of a KMS key ARN, "" for anything else.
func kmsArnRegion(arn string) string {
	parts := strings.Split(arn, ":")
	if len(parts) < 6 || parts[0] != "arn" || parts[2] != "kms" {
		return ""
	}
	return parts[3]
}

var dynamoName = StringRule{Pattern: regexp.MustCompile(`^[a-zA-Z0-9_.-]+$`), Min: 3, Max: 255,
	Desc: "a table or index name is 3–255 of a–z, A–Z, 0–9, '_', '-', '.'", Source: srcDynamoCreateTable}

var dynamodbSpecs = map[string]Spec{
	"aws:dynamodb/table:Table": {
		Names: []Name{{Prop: "name", Auto: &Autoname{Max: 255, Sep: "-", Source: srcProviderAutonaming}, Rule: dynamoName}},
		Checks: []Check{
			required(srcDynamoCreateTable, "hashKey", "attributes"),
			oneOf(srcDynamoCreateTable, "billingMode", "PROVISIONED", "PAY_PER_REQUEST"),
			oneOf(srcDynamoCreateTable, "attributes[].type", "S", "N", "B"),
			oneOf(srcDynamoCreateTable, "streamViewType", "KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES"),
			oneOf(srcDynamoCreateTable, "tableClass", "STANDARD", "STANDARD_INFREQUENT_ACCESS"),
			matches("globalSecondaryIndexes[].name", dynamoName),
			matches("localSecondaryIndexes[].name", dynamoName),
			oneOf(srcDynamoCreateTable, "globalSecondaryIndexes[].projectionType", "ALL", "KEYS_ONLY", "INCLUDE"),
			{Rule: "a stream needs streamViewType", Source: srcDynamoCreateTable,
				Find: func(r *Resource, _ *Stack) []Finding {
					if on, _ := r.Value("streamEnabled"); on == true {
						if _, ok := r.Value("streamViewType"); !ok {
							return []Finding{{Property: "streamViewType"}}
						}
					}
					return nil
				}},
			{Rule: "PROVISIONED billing needs readCapacity and writeCapacity", Source: srcDynamoCreateTable,
				Find: func(r *Resource, _ *Stack) []Finding {
					if m, _ := r.String("billingMode"); m == "PROVISIONED" {
						var fs []Finding
						for _, p := range []string{"readCapacity", "writeCapacity"} {
							if _, ok := r.Value(p); !ok {
								fs = append(fs, Finding{Property: p})
							}
						}
						return fs
					}
					return nil
				}},
			{Rule: "a table with replicas streams NEW_AND_OLD_IMAGES (global tables replicate from the stream)", Source: srcDynamoReplicas,
				Find: func(r *Resource, _ *Stack) []Finding {
					if !nonEmpty(r, "replicas") {
						return nil
					}
					if on, _ := r.Value("streamEnabled"); on != true {
						return []Finding{{Property: "streamEnabled", Value: fmt.Sprintf("%v (with replicas)", on)}}
					}
					if v, _ := r.String("streamViewType"); v != "NEW_AND_OLD_IMAGES" {
						return []Finding{{Property: "streamViewType", Value: v + " (with replicas)"}}
					}
					return nil
				}},
			{Rule: "each replica is in an AWS region other than the table's, once", Source: srcDynamoReplicas + "; " + awsregions.Source,
				Find: func(r *Resource, _ *Stack) []Finding {
					var fs []Finding
					seen := map[string]bool{}
					for _, v := range values(r, "replicas[].regionName") {
						region, ok := v.(string)
						if !ok || isPlaceholder(region) {
							continue
						}
						switch {
						case !awsregions.Known(region):
							fs = append(fs, Finding{Property: "replicas.regionName", Value: region + " (not an AWS region)"})
						case region == r.region:
							fs = append(fs, Finding{Property: "replicas.regionName", Value: region + " (the table's own region)"})
						case seen[region]:
							fs = append(fs, Finding{Property: "replicas.regionName", Value: region + " (twice)"})
						}
						seen[region] = true
					}
					return fs
				}},
			{Rule: "a replica's kmsKeyArn is a key in the replica's region, and a table encrypted with a customer managed key names one for every replica",
				Source: srcDynamoReplicaKMS,
				Find: func(r *Resource, _ *Stack) []Finding {
					list, _ := r.Value("replicas")
					replicas, _ := list.([]any)
					_, tableCMK := r.Value("serverSideEncryption.kmsKeyArn")
					var fs []Finding
					for _, rep := range replicas {
						region, _ := Field(rep, "regionName")
						key, hasKey := Field(rep, "kmsKeyArn")
						ks, _ := key.(string)
						switch {
						case hasKey && ks != "" && !isPlaceholder(ks) && kmsArnRegion(ks) != region:
							fs = append(fs, Finding{Property: "replicas.kmsKeyArn", Value: fmt.Sprintf("%v (replica in %v)", key, region)})
						case !hasKey && tableCMK:
							fs = append(fs, Finding{Property: "replicas.kmsKeyArn", Value: fmt.Sprintf("(not set for the replica in %v; the table uses a customer managed key)", region)})
						}
					}
					return fs
				}},
			// "One or more parameter values were invalid: Some AttributeDefinitions
			// are not used": every defined attribute must be a key of the table or
			// an index, and every key must be defined.
			{Rule: "attributes define exactly the key attributes of the table and its indexes", Source: srcDynamoCreateTable,
				Find: func(r *Resource, _ *Stack) []Finding {
					var defined, keys []string
					for _, a := range values(r, "attributes[].name") {
						defined = append(defined, fmt.Sprint(a))
					}
					for _, p := range []string{"hashKey", "rangeKey", "globalSecondaryIndexes[].hashKey", "globalSecondaryIndexes[].rangeKey", "localSecondaryIndexes[].rangeKey"} {
						for _, k := range values(r, p) {
							keys = append(keys, fmt.Sprint(k))
						}
					}
					var fs []Finding
					for _, a := range defined {
						if !slices.Contains(keys, a) {
							fs = append(fs, Finding{Property: "attributes", Value: a + " (not a key)"})
						}
					}
					for _, k := range keys {
						if !slices.Contains(defined, k) {
							fs = append(fs, Finding{Property: "attributes", Value: k + " (key not defined)"})
						}
					}
					return fs
				}},
		},
	},
}
