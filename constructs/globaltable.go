package constructs

import (
	"fmt"
	"slices"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/dynamodb"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/internal/awsregions"
)

// TableReplica is one more region of a global table (DynamoDB global
// tables version 2019.11.21), registered as its own
// aws:dynamodb/tableReplica:TableReplica rather than in the table's
// replicas block: pulumi-aws v6.83's replicas block has no deletion
// protection, the TableReplica resource has deletionProtectionEnabled.
type TableReplica struct {
	// Region is the replica's AWS region, other than the table's. Required.
	Region string
	// Provider is an AWS provider for Region: the replica is registered
	// with it, and pulumi-aws creates the replica in its provider's region
	// (the table's region comes from the table's ARN). It must be a
	// provider of Region: grants by region and the replica's KMS key are
	// placed by Region, and kumo synth checks the key against the
	// provider's region. Required.
	Provider *aws.Provider
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
// https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_CreateReplicationGroupMemberAction.html),
// and a provider to register each with. The replica region differing from
// the table's is checked by kumo synth, which knows the providers' regions.
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
		if r.Provider == nil {
			add("%s.Provider: nil for the replica in %q; a replica is registered with an AWS provider of its region, so pass one (aws.NewProvider with Region %q)", field, r.Region, r.Region)
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

// replica is one registered replica of a Table.
type replica struct {
	region string
	// keyArn is the replica's customer managed key, "" for the AWS managed
	// key.
	keyArn string
	res    *dynamodb.TableReplica
}

// newReplicas registers the table's replicas, each with its region's
// provider: encrypted (the table's encryption is on), with PITR unless
// turned off, and deletion protection as the table's. Their tags are their
// providers' default tags, as the table's are the stack provider's (kumo
// sets no tags of its own on tables).
//
// The ARN input orders each replica after the table, whose create turns on
// the NEW_AND_OLD_IMAGES stream a replica needs.
func (t *Table) newReplicas(ctx *pulumi.Context, name string, a TableArgs) error {
	for _, r := range a.Replicas {
		args := &dynamodb.TableReplicaArgs{
			GlobalTableArn:            t.Table.Arn,
			PointInTimeRecovery:       pulumi.Bool(r.PointInTimeRecovery == nil || *r.PointInTimeRecovery),
			DeletionProtectionEnabled: pulumi.Bool(a.DeletionProtection),
		}
		if r.KMSKeyArn != "" {
			args.KmsKeyArn = pulumi.String(r.KMSKeyArn)
		}
		res, err := dynamodb.NewTableReplica(ctx, name+"-"+r.Region, args, pulumi.Parent(t), pulumi.Provider(r.Provider))
		if err != nil {
			return err
		}
		t.replicas = append(t.replicas, replica{region: r.Region, keyArn: r.KMSKeyArn, res: res})
		t.Replicas = append(t.Replicas, res)
	}
	return nil
}

// GrantReadWriteIn lets g read and write the items of the table's copy in
// region only: the table when region is the table's, else the replica
// there, with that copy's key when the table has a kumo Key. A function in
// one region of a global table uses its local copy; GrantReadWrite would
// also let it write every other region's replica directly.
//
// region must be the table's or a replica's. A replica's region is known
// here; the table's is checked against its ARN when that is known (kumo
// synth, or a preview of an existing table), so a wrong region fails synth
// rather than granting a copy that does not exist.
func (t *Table) GrantReadWriteIn(g Grantee, region string) error {
	return t.grantIn(g, region, "readwrite", append(append([]string(nil), tableReadActions...), tableWriteActions...), keyEncryptDecryptActions)
}

// grantIn adds one copy's statement, and its key's, as one policy per
// region, so grants in two regions to one grantee stay apart.
func (t *Table) grantIn(g Grantee, region, access string, actions, keyActions []string) error {
	arn, key, err := t.copyIn(region)
	if err != nil {
		return fmt.Errorf("table %q: grant %s in %q: %w", t.name, access, region, err)
	}
	statements := []Statement{{
		Sid:            "Table" + accessSid[access],
		Actions:        actions,
		Resources:      []pulumi.StringInput{arn, suffix("/index/*", arn)},
		WildcardReason: "the indexes of this one table: index ARNs are the table's ARN, /index/ and the index name",
	}}
	if key != nil {
		statements = append(statements, Statement{Sid: "TableKey", Actions: keyActions, Resources: []pulumi.StringInput{key}})
	}
	return g.addToRolePolicy(fmt.Sprintf("table-%s-%s-%s", t.name, access, region), statements...)
}

// copyIn is the ARN of the table's copy in region and the key a grantee
// needs for it (nil with the AWS managed key).
func (t *Table) copyIn(region string) (arn, key pulumi.StringInput, err error) {
	for _, r := range t.replicas {
		if r.region != region {
			continue
		}
		if t.keyArn != nil && r.keyArn != "" {
			key = pulumi.String(r.keyArn)
		}
		return r.res.Arn, key, nil
	}
	if !awsregions.Known(region) {
		return nil, nil, fmt.Errorf("not an AWS region (%s); grant in the table's region or a replica's (the table %s)", awsregions.Source, t.replicaRegionList())
	}
	checked := t.Arn.ApplyT(func(arn string) (string, error) {
		if got := arnRegion(arn); got != region {
			return "", fmt.Errorf("table %q: grant in %q: the table is in %s and %s; grant in one of those regions", t.name, region, got, t.replicaRegionList())
		}
		return arn, nil
	}).(pulumi.StringOutput)
	if t.keyArn != nil {
		key = t.keyArn
	}
	return checked, key, nil
}

// replicaRegionList names the replicas' regions for messages.
func (t *Table) replicaRegionList() string {
	var regions []string
	for _, r := range t.replicas {
		regions = append(regions, r.region)
	}
	if len(regions) == 0 {
		return "has no replicas"
	}
	slices.Sort(regions)
	return "has replicas in " + strings.Join(regions, ", ")
}

// arnRegion is the region field of an ARN, "" for anything else.
func arnRegion(arn string) string {
	p := strings.SplitN(arn, ":", 6)
	if len(p) != 6 || p[0] != "arn" {
		return ""
	}
	return p[3]
}
