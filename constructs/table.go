package constructs

import (
	"fmt"
	"regexp"

	"github.com/hashicorp/go-multierror"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/dynamodb"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// KeyType is a DynamoDB key attribute type.
type KeyType string

// Key attribute types DynamoDB supports.
const (
	KeyString KeyType = "S"
	KeyNumber KeyType = "N"
	KeyBinary KeyType = "B"
)

// StreamView selects what a table's stream records carry.
type StreamView string

// Stream views DynamoDB supports; StreamOff disables the stream.
const (
	StreamOff          StreamView = ""
	StreamKeysOnly     StreamView = "KEYS_ONLY"
	StreamNewImage     StreamView = "NEW_IMAGE"
	StreamOldImage     StreamView = "OLD_IMAGE"
	StreamNewAndOldImg StreamView = "NEW_AND_OLD_IMAGES"
)

// TableArgs configure a Table.
type TableArgs struct {
	// PartitionKey is the partition (hash) key attribute. Default: "id".
	PartitionKey string
	// PartitionKeyType is the partition key's type. Default: "S".
	PartitionKeyType KeyType
	// SortKey is the sort (range) key attribute. Default: none.
	SortKey string
	// SortKeyType is the sort key's type. Default: "S" when SortKey is set.
	SortKeyType KeyType
	// TTLAttribute names the attribute holding expiry epochs. Default: no TTL.
	TTLAttribute string
	// Stream enables a stream with the given view. Default: off.
	Stream StreamView
	// DeletionProtection refuses DeleteTable until turned off. Default: false
	// (stacks turn it on for production).
	DeletionProtection bool
	// KMSKeyArn encrypts with a customer managed key. Default: the AWS
	// managed key for DynamoDB.
	KMSKeyArn string
}

// Table is a DynamoDB table: on-demand, point-in-time recovery and
// server-side encryption always on.
type Table struct {
	pulumi.ResourceState

	name string
	// Table is the underlying resource, an escape hatch.
	Table *dynamodb.Table
	// Name is the physical table name.
	Name pulumi.StringOutput
	// Arn is the table ARN grants are scoped to.
	Arn pulumi.StringOutput
	// StreamArn is the stream ARN, empty when Stream is off.
	StreamArn pulumi.StringOutput
	// PartitionKey is the partition key attribute, for code that needs it.
	PartitionKey string
}

var attrName = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,255}$`)

func (a TableArgs) withDefaults() TableArgs {
	a.PartitionKey = orDefault(a.PartitionKey, DefaultPartitionKey)
	a.PartitionKeyType = orDefault(a.PartitionKeyType, KeyString)
	if a.SortKey != "" {
		a.SortKeyType = orDefault(a.SortKeyType, KeyString)
	}
	return a
}

func (a TableArgs) validate() *multierror.Error {
	var errs *multierror.Error
	checkKey := func(field, v string) {
		if !attrName.MatchString(v) {
			errs = multierror.Append(errs, fmt.Errorf("%s: %q must be 1–255 letters, digits, '_', '-' or '.'", field, v))
		}
	}
	checkType := func(field string, t KeyType) {
		if t != KeyString && t != KeyNumber && t != KeyBinary {
			errs = multierror.Append(errs, fmt.Errorf("%s: %q is not a key type; use \"S\", \"N\" or \"B\"", field, t))
		}
	}
	checkKey("PartitionKey", a.PartitionKey)
	checkType("PartitionKeyType", a.PartitionKeyType)
	if a.SortKey != "" {
		checkKey("SortKey", a.SortKey)
		checkType("SortKeyType", a.SortKeyType)
		if a.SortKey == a.PartitionKey {
			errs = multierror.Append(errs, fmt.Errorf("SortKey: %q is also the partition key; use a different attribute", a.SortKey))
		}
	} else if a.SortKeyType != "" {
		errs = multierror.Append(errs, fmt.Errorf("SortKeyType: %q is set without SortKey", a.SortKeyType))
	}
	if a.TTLAttribute != "" {
		checkKey("TTLAttribute", a.TTLAttribute)
	}
	switch a.Stream {
	case StreamOff, StreamKeysOnly, StreamNewImage, StreamOldImage, StreamNewAndOldImg:
	default:
		errs = multierror.Append(errs, fmt.Errorf("Stream: %q is not a stream view; use KEYS_ONLY, NEW_IMAGE, OLD_IMAGE, NEW_AND_OLD_IMAGES or empty for none", a.Stream))
	}
	return errs
}

// NewTable registers a DynamoDB table with kumo's defaults.
func NewTable(ctx *pulumi.Context, name string, args *TableArgs, opts ...pulumi.ResourceOption) (*Table, error) {
	if args == nil {
		args = &TableArgs{}
	}
	a := args.withDefaults()
	if err := invalid(fmt.Sprintf("table %q", name), a.validate()); err != nil {
		return nil, err
	}
	t := &Table{name: name, PartitionKey: a.PartitionKey}
	if err := ctx.RegisterComponentResource("kumo:constructs:Table", name, t, opts...); err != nil {
		return nil, err
	}
	attrs := dynamodb.TableAttributeArray{dynamodb.TableAttributeArgs{Name: pulumi.String(a.PartitionKey), Type: pulumi.String(string(a.PartitionKeyType))}}
	tArgs := &dynamodb.TableArgs{
		BillingMode:               pulumi.String("PAY_PER_REQUEST"),
		HashKey:                   pulumi.String(a.PartitionKey),
		PointInTimeRecovery:       &dynamodb.TablePointInTimeRecoveryArgs{Enabled: pulumi.Bool(true)},
		ServerSideEncryption:      &dynamodb.TableServerSideEncryptionArgs{Enabled: pulumi.Bool(true)},
		DeletionProtectionEnabled: pulumi.Bool(a.DeletionProtection),
	}
	if a.KMSKeyArn != "" {
		tArgs.ServerSideEncryption = &dynamodb.TableServerSideEncryptionArgs{Enabled: pulumi.Bool(true), KmsKeyArn: pulumi.String(a.KMSKeyArn)}
	}
	if a.SortKey != "" {
		tArgs.RangeKey = pulumi.String(a.SortKey)
		attrs = append(attrs, dynamodb.TableAttributeArgs{Name: pulumi.String(a.SortKey), Type: pulumi.String(string(a.SortKeyType))})
	}
	tArgs.Attributes = attrs
	if a.TTLAttribute != "" {
		tArgs.Ttl = &dynamodb.TableTtlArgs{AttributeName: pulumi.String(a.TTLAttribute), Enabled: pulumi.Bool(true)}
	}
	if a.Stream != StreamOff {
		tArgs.StreamEnabled = pulumi.Bool(true)
		tArgs.StreamViewType = pulumi.String(string(a.Stream))
	}
	var err error
	t.Table, err = dynamodb.NewTable(ctx, name, tArgs, pulumi.Parent(t))
	if err != nil {
		return nil, err
	}
	t.Name, t.Arn, t.StreamArn = t.Table.Name, t.Table.Arn, t.Table.StreamArn
	if err := ctx.RegisterResourceOutputs(t, pulumi.Map{"name": t.Name, "arn": t.Arn}); err != nil {
		return nil, err
	}
	return t, nil
}

var (
	tableReadActions = []string{"dynamodb:BatchGetItem", "dynamodb:ConditionCheckItem", "dynamodb:DescribeTable",
		"dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan"}
	tableWriteActions = []string{"dynamodb:BatchWriteItem", "dynamodb:DeleteItem", "dynamodb:PutItem", "dynamodb:UpdateItem"}
)

// GrantRead lets g read items from the table and its indexes.
func (t *Table) GrantRead(g Grantee) error {
	return t.grant(g, "read", tableReadActions)
}

// GrantWrite lets g put, update and delete items.
func (t *Table) GrantWrite(g Grantee) error {
	return t.grant(g, "write", tableWriteActions)
}

// GrantReadWrite lets g read and write items.
func (t *Table) GrantReadWrite(g Grantee) error {
	return t.grant(g, "readwrite", append(append([]string(nil), tableReadActions...), tableWriteActions...))
}

func (t *Table) grant(g Grantee, access string, actions []string) error {
	return g.addToRolePolicy(fmt.Sprintf("table-%s-%s", t.name, access), Statement{
		Sid:       "Table" + accessSid[access],
		Actions:   actions,
		Resources: []pulumi.StringInput{t.Arn, suffix("/index/*", t.Arn)},
	})
}

// accessSid spells an access level for statement IDs (alphanumeric only).
var accessSid = map[string]string{"read": "Read", "write": "Write", "readwrite": "ReadWrite"}

// Validate reports every problem with the args, defaults applied, as the
// constructor would, without registering anything.
func (a TableArgs) Validate(name string) error {
	return invalid(fmt.Sprintf("table %q", name), a.withDefaults().validate())
}
