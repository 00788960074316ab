package check

import (
	"github.com/kumo-iac/kumo/internal/synth"
)

// DynamoDB rules: tables, and DAX clusters (cdk-nag keeps its DAX rule in
// its dynamodb folder).

const (
	typeDynamoTable = "aws:dynamodb/table:Table"
	typeDynamoDAX   = "aws:dax/cluster:Cluster"
)

func init() {
	register(
		// cdk-nag src/rules/dynamodb/DynamoDBPITREnabled.ts:
		// PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled must
		// be true; an absent specification fails.
		Rule{
			ID: "AwsSolutions-DDB3", Level: Warning, Types: []string{typeDynamoTable},
			What: "The DynamoDB table does not have Point-in-time Recovery enabled.",
			Why:  "DynamoDB continuous backups represent an additional layer of insurance against accidental loss of data on top of on-demand backups. The DynamoDB service can back up the data with per-second granularity and restore it to any single second from the time PITR was enabled up to the prior 35 days.",
			Fix:  "Set pointInTimeRecovery.enabled to true (kumo's Table construct does).",
			Check: func(r *synth.Resource, _ *synth.Stack) []Hit {
				on, problem := needBool(r, "pointInTimeRecovery.enabled")
				if problem != "" {
					return hit("%s (DynamoDB's default is off)", problem)
				}
				if !on {
					return hit("pointInTimeRecovery.enabled is false")
				}
				return nil
			},
		},
		// cdk-nag src/rules/dynamodb/DAXEncrypted.ts:
		// SSESpecification.SSEEnabled must be true.
		Rule{
			ID: "AwsSolutions-DDB4", Level: Error, Types: []string{typeDynamoDAX},
			What: "The DAX cluster does not have server-side encryption enabled.",
			Why:  "Data in cache, configuration data and log files should be encrypted using Server-Side Encryption in order to protect from unauthorized access to the underlying storage.",
			Fix:  "Set serverSideEncryption.enabled to true on the aws:dax/cluster:Cluster; DAX only accepts it when the cluster is created, so the cluster is replaced.",
			Check: func(r *synth.Resource, _ *synth.Stack) []Hit {
				on, problem := needBool(r, "serverSideEncryption.enabled")
				if problem != "" {
					return hit("%s (DAX's default is unencrypted)", problem)
				}
				if !on {
					return hit("serverSideEncryption.enabled is false")
				}
				return nil
			},
		},
	)
}
