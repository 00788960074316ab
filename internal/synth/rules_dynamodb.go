package synth

import (
	"fmt"
	"regexp"
	"slices"
)

const srcDynamoCreateTable = "https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_CreateTable.html"

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
