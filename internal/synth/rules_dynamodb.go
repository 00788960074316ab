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

// Sources of the TableReplica rules.
const (
	// The resource's schema and create: global_table_arn Required (and
	// ForceNew, verify.ValidARN); the main table's region and name are read
	// from that ARN, the replica's region is the provider's, and create
	// fails with "replica cannot be in same region as main table"; create is
	// UpdateTable with ReplicaUpdates Create on the main table, which must
	// exist. Read in the stored copy isometry/terraform-provider-aws
	// @c129a939 (v5 era, with deletion_protection_enabled, as pulumi-aws
	// v6.83 has it).
	srcTFTableReplica = "terraform-provider-aws internal/service/dynamodb/table_replica.go (global_table_arn Required, ValidARN; resourceTableReplicaCreate: \"replica cannot be in same region as main table\", UpdateTable ReplicaUpdates Create on the main table)"
	// The provider's notes on the resource: "Use lifecycle ignoreChanges
	// for replica in the associated aws.dynamodb.Table configuration" and
	// "Do not use the replica configuration block of aws.dynamodb.Table
	// together with this resource as the two configuration options are
	// mutually exclusive".
	srcPulumiTableReplica = "pulumi-aws sdk/v6@v6.83.0 go/aws/dynamodb/tableReplica.go (notes: ignoreChanges for the table's replicas; the replicas block and TableReplica are mutually exclusive)"
	// CreateReplicationGroupMemberAction TableClassOverride: "Valid
	// Values: STANDARD | STANDARD_INFREQUENT_ACCESS".
	srcDynamoCreateReplica = "https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_CreateReplicationGroupMemberAction.html"
)

const (
	tDynamoDBTable        = "aws:dynamodb/table:Table"
	tDynamoDBTableReplica = "aws:dynamodb/tableReplica:TableReplica"
)

// tableArnParts are the region and table name of a DynamoDB table ARN
// (arn:<partition>:dynamodb:<region>:<account>:table/<name>), "" and ""
// for anything else (an index or stream ARN included).
func tableArnParts(arn string) (region, table string) {
	p := strings.Split(arn, ":")
	if len(p) != 6 || p[0] != "arn" || p[2] != "dynamodb" || p[3] == "" || p[4] == "" {
		return "", ""
	}
	name, ok := strings.CutPrefix(p[5], "table/")
	if !ok || name == "" || strings.Contains(name, "/") {
		return "", ""
	}
	return p[3], name
}

// globalTable is the table of this stack a replica's globalTableArn names
// (matched by region and physical name, so it works whether or not synth
// kept state), or nil for a table the stack does not register.
func globalTable(r *Resource, s *Stack) *Resource {
	arn, _ := r.String("globalTableArn")
	region, name := tableArnParts(arn)
	if name == "" {
		return nil
	}
	tables := s.index("region and name", tDynamoDBTable, func(t *Resource) (string, bool) {
		return t.Region() + "\x00" + t.Physical("name"), true
	})[region+"\x00"+name]
	if len(tables) == 0 {
		return nil
	}
	return tables[0]
}

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
	tDynamoDBTableReplica: {Checks: tableReplicaChecks},
	tDynamoDBTable: {
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

// tableReplicaChecks are the rules of a replica registered as its own
// resource, with the provider of its region.
var tableReplicaChecks = []Check{
	required(srcTFTableReplica, "globalTableArn"),
	oneOf(srcDynamoCreateReplica, "tableClassOverride", "STANDARD", "STANDARD_INFREQUENT_ACCESS"),
	{Rule: "globalTableArn is the ARN of a DynamoDB table (arn:aws:dynamodb:<region>:<account>:table/<name>) in another region than the replica's provider", Source: srcTFTableReplica + "; " + srcDynamoReplicas,
		Find: func(r *Resource, _ *Stack) []Finding {
			arn, ok := r.String("globalTableArn")
			if !ok {
				return nil
			}
			region, name := tableArnParts(arn)
			switch {
			case name == "":
				return []Finding{{Property: "globalTableArn", Value: arn + " (not a table ARN)"}}
			case !awsregions.Known(region):
				return []Finding{{Property: "globalTableArn", Value: arn + " (" + region + " is not an AWS region)"}}
			case r.Region() != "" && region == r.Region():
				return []Finding{{Property: "globalTableArn", Value: arn + " (the table is in the replica's own region, " + region + ")"}}
			}
			return nil
		}},
	{Rule: "a replica's kmsKeyArn is a KMS key in the replica's region (its provider's)", Source: srcDynamoReplicaKMS,
		Find: func(r *Resource, _ *Stack) []Finding {
			key, ok := r.String("kmsKeyArn")
			if !ok || r.Region() == "" {
				return nil
			}
			if got := kmsArnRegion(key); got != r.Region() {
				return []Finding{{Property: "kmsKeyArn", Value: fmt.Sprintf("%s (replica in %s)", key, r.Region())}}
			}
			return nil
		}},
	{Rule: "each region holds one replica of a table", Source: srcDynamoReplicas,
		Find: func(r *Resource, s *Stack) []Finding {
			arn, ok := r.String("globalTableArn")
			if !ok {
				return nil
			}
			same := s.index("global table and region", tDynamoDBTableReplica, func(x *Resource) (string, bool) {
				a, ok := x.String("globalTableArn")
				return x.Region() + "\x00" + a, ok
			})[r.Region()+"\x00"+arn]
			if len(same) > 1 {
				return []Finding{{Property: "globalTableArn", Value: fmt.Sprintf("%s (also %s, in %s)", arn, other(same, r).URN, r.Region())}}
			}
			return nil
		}},
	// The replica's create is an UpdateTable of the main table, so the
	// table must exist first: the replica must depend on it.
	{Rule: "a replica is created after its global table: it depends on the aws:dynamodb/table:Table its globalTableArn names", Source: srcTFTableReplica,
		Find: func(r *Resource, s *Stack) []Finding {
			if t := globalTable(r, s); t != nil && !s.DependsOn(r, t) {
				return []Finding{{Property: "globalTableArn", Value: fmt.Sprintf("(no dependency on %s)", t.URN)}}
			}
			return nil
		}},
	{Rule: "the global table streams NEW_AND_OLD_IMAGES (global tables replicate from the stream)", Source: srcDynamoReplicas,
		Find: func(r *Resource, s *Stack) []Finding {
			t := globalTable(r, s)
			if t == nil {
				return nil
			}
			on, _ := t.Value("streamEnabled")
			view, _ := t.String("streamViewType")
			if on != true || view != "NEW_AND_OLD_IMAGES" {
				return []Finding{{Property: "globalTableArn", Value: fmt.Sprintf("(%s: streamEnabled %v, streamViewType %q)", t.URN, on, view)}}
			}
			return nil
		}},
	{Rule: "the global table declares no replicas block and ignores changes to it (ignoreChanges: [\"replicas\"]), or its updates would remove this replica", Source: srcPulumiTableReplica,
		Find: func(r *Resource, s *Stack) []Finding {
			t := globalTable(r, s)
			if t == nil {
				return nil
			}
			var fs []Finding
			if nonEmpty(t, "replicas") {
				fs = append(fs, Finding{Property: "globalTableArn", Value: fmt.Sprintf("(%s also has a replicas block)", t.URN)})
			}
			if !slices.ContainsFunc(t.ignoreChanges, func(p string) bool { return p == "replicas" || p == "replicas[*]" }) {
				fs = append(fs, Finding{Property: "globalTableArn", Value: fmt.Sprintf("(%s does not ignore changes to replicas)", t.URN)})
			}
			return fs
		}},
	{Rule: "a replica of a table encrypted with a customer managed key names a key of its own region in kmsKeyArn", Source: srcDynamoReplicaKMS,
		Find: func(r *Resource, s *Stack) []Finding {
			t := globalTable(r, s)
			if t == nil {
				return nil
			}
			if _, tableCMK := t.Value("serverSideEncryption.kmsKeyArn"); !tableCMK {
				return nil
			}
			if _, ok := r.Value("kmsKeyArn"); !ok {
				return []Finding{{Property: "kmsKeyArn", Value: fmt.Sprintf("(not set; %s uses a customer managed key)", t.URN)}}
			}
			return nil
		}},
}
