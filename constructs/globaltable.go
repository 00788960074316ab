package constructs

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/dynamodb"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/internal/awsregions"
)

// TableReplica is one more region of a global table (DynamoDB global
// tables version 2019.11.21: the table's replicas block).
type TableReplica struct {
	// Region is the replica's AWS region, other than the table's. Required.
	Region string
	// KMSKeyArn encrypts the replica with a customer managed key in its
	// region; required when the table has one, since a key is used only in
	// its own region. Default: "" (the AWS managed key for DynamoDB in the
	// replica's region).
	KMSKeyArn string
	// PointInTimeRecovery keeps the replica restorable to any second of
	// the last 35 days, as the table is. Default: true.
	PointInTimeRecovery *bool
}

// validateReplicas checks the replicas against what UpdateTable's
// ReplicaUpdates accept: known regions, each once, a key in the replica's
// region, a stream of new and old images
// (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/V2globaltables_reqs_bestpractices.html,
// https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_CreateReplicationGroupMemberAction.html).
// The replica region differing from the table's is checked by kumo synth,
// which knows the provider's region.
func (a TableArgs) validateReplicas() []error {
	var errs []error
	add := func(format string, v ...any) { errs = append(errs, fmt.Errorf(format, v...)) }
	if len(a.Replicas) > 0 && a.Stream != StreamOff && a.Stream != StreamNewAndOldImg {
		add("Stream: %q with Replicas; global tables replicate through a NEW_AND_OLD_IMAGES stream, so use that view (or leave Stream empty for kumo to set it)", a.Stream)
	}
	tableCMK := a.KMSKeyArn != "" || a.KMSKey != nil
	seen := map[string]int{}
	for i, r := range a.Replicas {
		field := fmt.Sprintf("Replicas[%d]", i)
		if !awsregions.Known(r.Region) {
			hint := ""
			if c := awsregions.Closest(r.Region); c != "" {
				hint = fmt.Sprintf("; did you mean %q?", c)
			}
			add("%s.Region: %q is not an AWS region (%s)%s", field, r.Region, awsregions.Source, hint)
		} else if j, dup := seen[r.Region]; dup {
			add("%s.Region: %q is also Replicas[%d]'s; a table has one replica per region", field, r.Region, j)
		} else {
			seen[r.Region] = i
		}
		switch {
		case r.KMSKeyArn != "" && keyArnRegion(r.KMSKeyArn) == "":
			add("%s.KMSKeyArn: %q is not a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)", field, r.KMSKeyArn)
		case r.KMSKeyArn != "" && keyArnRegion(r.KMSKeyArn) != r.Region:
			add("%s.KMSKeyArn: %q is in %s, the replica in %s; a replica needs a key of its own region (a multi-Region replica key)", field, r.KMSKeyArn, keyArnRegion(r.KMSKeyArn), r.Region)
		case r.KMSKeyArn == "" && tableCMK:
			add("%s.KMSKeyArn: empty while the table uses a customer managed key; give the replica a key in %s", field, r.Region)
		}
	}
	return errs
}

// keyArnRegion is the region of a KMS key ARN, "" for anything else.
func keyArnRegion(arn string) string {
	p := strings.Split(arn, ":")
	if len(p) != 6 || p[0] != "arn" || p[2] != "kms" || !strings.HasPrefix(p[5], "key/") {
		return ""
	}
	return p[3]
}

// replicaArgs are the table's replicas block: every replica encrypted (the
// table's encryption is on) and, unless turned off, with PITR, and the
// table's tags.
func (a TableArgs) replicaArgs() dynamodb.TableReplicaTypeArray {
	var out dynamodb.TableReplicaTypeArray
	for _, r := range a.Replicas {
		rep := dynamodb.TableReplicaTypeArgs{
			RegionName:          pulumi.String(r.Region),
			PointInTimeRecovery: pulumi.Bool(r.PointInTimeRecovery == nil || *r.PointInTimeRecovery),
			PropagateTags:       pulumi.Bool(true),
		}
		if r.KMSKeyArn != "" {
			rep.KmsKeyArn = pulumi.String(r.KMSKeyArn)
		}
		out = append(out, rep)
	}
	return out
}

// replicaArns are the ARNs of the table's replicas, derived from the
// table's: a replica has the table's name and account in its region.
func (t *Table) replicaArns() []pulumi.StringInput {
	var out []pulumi.StringInput
	for _, region := range t.replicaRegions {
		out = append(out, t.Arn.ApplyT(func(arn string) string {
			p := strings.SplitN(arn, ":", 6)
			if len(p) == 6 {
				p[3] = region
			}
			return strings.Join(p, ":")
		}).(pulumi.StringOutput))
	}
	return out
}
