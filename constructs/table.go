package constructs

import (
	"fmt"
	"slices"

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
	// DeletionProtection refuses DeleteTable, of the table and of every
	// replica, until turned off. Default: false (stacks turn it on for
	// production).
	DeletionProtection bool
	// KMSKeyArn encrypts with a customer managed key. Default: the AWS
	// managed key for DynamoDB.
	KMSKeyArn string
	// KMSKey encrypts with a kumo Key; the table's grants then grant use
	// of the key too (decrypt to read, encrypt and decrypt to write). Set it
	// or KMSKeyArn, not both. Default: nil, as for KMSKeyArn.
	KMSKey *Key
	// GlobalSecondaryIndexes query the table by other keys, e.g. every
	// item of one owner. They share the table's on-demand billing and
	// encryption, and the table's grants cover them. Default: none.
	GlobalSecondaryIndexes []GlobalSecondaryIndex
	// Replicas make the table a global table with a replica in each of
	// these regions, each registered with its region's provider, encrypted,
	// with point-in-time recovery and the table's DeletionProtection; the
	// table's stream is then NEW_AND_OLD_IMAGES (set when Stream is
	// empty). GrantRead, GrantWrite and GrantReadWrite cover every replica;
	// GrantReadWriteIn covers one region's copy. Default: none.
	Replicas []TableReplica
}

// Projection selects which attributes a secondary index copies.
type Projection string

// Projections DynamoDB supports.
const (
	ProjectAll      Projection = "ALL"
	ProjectKeysOnly Projection = "KEYS_ONLY"
	ProjectInclude  Projection = "INCLUDE"
)

// GlobalSecondaryIndex is one global secondary index of a Table.
type GlobalSecondaryIndex struct {
	// Name is the index name queries use, unique within the table.
	// Required.
	Name string
	// PartitionKey is the index's partition (hash) key attribute. Required.
	PartitionKey string
	// PartitionKeyType is the partition key's type. Default: "S".
	PartitionKeyType KeyType
	// SortKey is the index's sort (range) key attribute. Default: none.
	SortKey string
	// SortKeyType is the sort key's type. Default: "S" when SortKey is set.
	SortKeyType KeyType
	// Projection is what the index copies besides the keys. Default: ALL,
	// so a query never needs a second read of the table.
	Projection Projection
	// NonKeyAttributes are the attributes an INCLUDE projection copies.
	// Default: none; required with INCLUDE.
	NonKeyAttributes []string
}

// Table is a DynamoDB table: on-demand, point-in-time recovery and
// server-side encryption always on, for its indexes too.
type Table struct {
	pulumi.ResourceState

	name string
	key  *Key
	// keyArn is the customer managed key's ARN, from KMSKey or KMSKeyArn;
	// nil with the AWS managed key.
	keyArn pulumi.StringInput
	// Table is the underlying resource, an escape hatch.
	Table *dynamodb.Table
	// Replicas are the replica resources, in the order of
	// TableArgs.Replicas, an escape hatch.
	Replicas []*dynamodb.TableReplica
	// Name is the physical table name.
	Name pulumi.StringOutput
	// Arn is the table ARN grants are scoped to.
	Arn pulumi.StringOutput
	// StreamArn is the stream ARN, empty when Stream is off.
	StreamArn pulumi.StringOutput
	// PartitionKey is the partition key attribute, for code that needs it.
	PartitionKey string

	// stream is the table's stream view, StreamOff without one (StreamTo).
	stream StreamView
	// replicas are the table's replicas, in order.
	replicas []replica
}

var attrName = lazyRegexp(`^[A-Za-z0-9_.-]{1,255}$`)

// DynamoDB's limits on secondary indexes. Index names: API_CreateTable,
// GlobalSecondaryIndex.IndexName, "Length Constraints: Minimum length of 3.
// Maximum length of 255. Pattern: [a-zA-Z0-9_.-]+"
// (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_GlobalSecondaryIndex.html).
// The other two: "Service, account, and table quotas in Amazon DynamoDB",
// Secondary indexes: 20 global secondary indexes per table by default, and
// at most 100 projected non-key attributes summed over all of a table's
// secondary indexes
// (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html).
var indexName = lazyRegexp(`^[A-Za-z0-9_.-]{3,255}$`)

const (
	maxGlobalSecondaryIndexes = 20
	maxProjectedAttributes    = 100
)

func (a TableArgs) withDefaults() TableArgs {
	a.PartitionKey = orDefault(a.PartitionKey, DefaultPartitionKey)
	a.PartitionKeyType = orDefault(a.PartitionKeyType, KeyString)
	if a.SortKey != "" {
		a.SortKeyType = orDefault(a.SortKeyType, KeyString)
	}
	// A copy, so defaults never write through to the caller's slice.
	a.GlobalSecondaryIndexes = slices.Clone(a.GlobalSecondaryIndexes)
	for i := range a.GlobalSecondaryIndexes {
		g := &a.GlobalSecondaryIndexes[i]
		g.PartitionKeyType = orDefault(g.PartitionKeyType, KeyString)
		if g.SortKey != "" {
			g.SortKeyType = orDefault(g.SortKeyType, KeyString)
		}
		g.Projection = orDefault(g.Projection, ProjectAll)
	}
	a.Replicas = slices.Clone(a.Replicas)
	if len(a.Replicas) > 0 {
		a.Stream = orDefault(a.Stream, StreamNewAndOldImg)
	}
	return a
}

// keyAttributes lists every key attribute of the table and its indexes
// once, in declaration order, with its type: DynamoDB's
// AttributeDefinitions, which give each attribute one type.
func (a TableArgs) keyAttributes() (names []string, types map[string]KeyType) {
	types = map[string]KeyType{}
	add := func(n string, t KeyType) {
		if _, ok := types[n]; !ok {
			names = append(names, n)
			types[n] = t
		}
	}
	add(a.PartitionKey, a.PartitionKeyType)
	if a.SortKey != "" {
		add(a.SortKey, a.SortKeyType)
	}
	for _, g := range a.GlobalSecondaryIndexes {
		add(g.PartitionKey, g.PartitionKeyType)
		if g.SortKey != "" {
			add(g.SortKey, g.SortKeyType)
		}
	}
	return names, types
}

func (a TableArgs) validate() *multierror.Error {
	var errs *multierror.Error
	checkKey := func(field, v string) {
		if !attrName().MatchString(v) {
			errs = multierror.Append(errs, fmt.Errorf("%s: %q must be 1–255 letters, digits, '_', '-' or '.'", field, v))
		}
	}
	checkType := func(field string, t KeyType) {
		if !validKeyType(t) {
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
	if a.KMSKey != nil && a.KMSKeyArn != "" {
		errs = multierror.Append(errs, fmt.Errorf("KMSKey: key %q is set together with KMSKeyArn %q; set one of them", a.KMSKey.name, a.KMSKeyArn))
	}
	if ierrs := a.validateIndexes(); len(ierrs) > 0 {
		errs = multierror.Append(errs, ierrs...)
	}
	if rerrs := a.validateReplicas(); len(rerrs) > 0 {
		errs = multierror.Append(errs, rerrs...)
	}
	return errs
}

func validKeyType(t KeyType) bool { return t == KeyString || t == KeyNumber || t == KeyBinary }

func (a TableArgs) validateIndexes() []error {
	var errs []error
	if n := len(a.GlobalSecondaryIndexes); n > maxGlobalSecondaryIndexes {
		errs = append(errs, fmt.Errorf("GlobalSecondaryIndexes: %d indexes; DynamoDB allows at most %d per table (ask AWS for a quota increase, or query one index by a composite key)", n, maxGlobalSecondaryIndexes))
	}
	// The valid type each key attribute was first given, by the table's
	// keys or an earlier index: DynamoDB defines every attribute with one
	// type. Invalid types are reported where they are set, once.
	firstType := map[string]KeyType{}
	define := func(n string, t KeyType) KeyType {
		if _, ok := firstType[n]; !ok && validKeyType(t) {
			firstType[n] = t
		}
		return firstType[n]
	}
	define(a.PartitionKey, a.PartitionKeyType)
	if a.SortKey != "" {
		define(a.SortKey, a.SortKeyType)
	}
	seen := map[string]int{}
	projected := 0
	for i, g := range a.GlobalSecondaryIndexes {
		field := fmt.Sprintf("GlobalSecondaryIndexes[%d]", i)
		if g.Name != "" {
			field = fmt.Sprintf("GlobalSecondaryIndexes[%d] (%s)", i, g.Name)
		}
		add := func(format string, args ...any) {
			errs = append(errs, fmt.Errorf(field+"."+format, args...))
		}
		if !indexName().MatchString(g.Name) {
			add("Name: %q must be 3–255 letters, digits, '_', '-' or '.'", g.Name)
		} else if j, dup := seen[g.Name]; dup {
			add("Name: %q is also the name of GlobalSecondaryIndexes[%d]; index names must be unique within a table", g.Name, j)
		} else {
			seen[g.Name] = i
		}
		checkKey := func(prop, v string, t KeyType) {
			if !attrName().MatchString(v) {
				add("%s: %q must be 1–255 letters, digits, '_', '-' or '.'", prop, v)
				return
			}
			if !validKeyType(t) {
				add("%sType: %q is not a key type; use \"S\", \"N\" or \"B\"", prop, t)
				return
			}
			if first := define(v, t); first != t {
				add("%sType: %q for %q, which is already a key of type %q; DynamoDB gives each attribute one type", prop, t, v, first)
			}
		}
		checkKey("PartitionKey", g.PartitionKey, g.PartitionKeyType)
		if g.SortKey != "" {
			checkKey("SortKey", g.SortKey, g.SortKeyType)
			if g.SortKey == g.PartitionKey {
				add("SortKey: %q is also the index's partition key; use a different attribute", g.SortKey)
			}
		} else if g.SortKeyType != "" {
			add("SortKeyType: %q is set without SortKey", g.SortKeyType)
		}
		switch g.Projection {
		case ProjectAll, ProjectKeysOnly:
			if len(g.NonKeyAttributes) > 0 {
				add("NonKeyAttributes: %q are set with projection %s, which takes none; use INCLUDE to project just these", g.NonKeyAttributes, g.Projection)
			}
		case ProjectInclude:
			if len(g.NonKeyAttributes) == 0 {
				add("NonKeyAttributes: none set with projection INCLUDE; name the attributes to copy, or use KEYS_ONLY or ALL")
			}
			for _, n := range g.NonKeyAttributes {
				if !attrName().MatchString(n) {
					add("NonKeyAttributes: %q must be 1–255 letters, digits, '_', '-' or '.'", n)
				}
			}
			projected += len(g.NonKeyAttributes)
		default:
			add("Projection: %q is not a projection; use ALL, KEYS_ONLY or INCLUDE", g.Projection)
		}
	}
	if projected > maxProjectedAttributes {
		errs = append(errs, fmt.Errorf("GlobalSecondaryIndexes: %d NonKeyAttributes in all; DynamoDB allows at most %d summed over a table's indexes (project ALL instead)", projected, maxProjectedAttributes))
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
	t := &Table{name: name, PartitionKey: a.PartitionKey, key: a.KMSKey, stream: a.Stream}
	switch {
	case a.KMSKey != nil:
		t.keyArn = a.KMSKey.Arn
	case a.KMSKeyArn != "":
		t.keyArn = pulumi.String(a.KMSKeyArn)
	}
	if err := ctx.RegisterComponentResource("kumo:constructs:Table", name, t, opts...); err != nil {
		return nil, err
	}
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
	if a.KMSKey != nil {
		tArgs.ServerSideEncryption = &dynamodb.TableServerSideEncryptionArgs{Enabled: pulumi.Bool(true), KmsKeyArn: a.KMSKey.Arn}
	}
	if a.SortKey != "" {
		tArgs.RangeKey = pulumi.String(a.SortKey)
	}
	names, types := a.keyAttributes()
	var attrs dynamodb.TableAttributeArray
	for _, n := range names {
		attrs = append(attrs, dynamodb.TableAttributeArgs{Name: pulumi.String(n), Type: pulumi.String(string(types[n]))})
	}
	tArgs.Attributes = attrs
	var gsis dynamodb.TableGlobalSecondaryIndexArray
	for _, g := range a.GlobalSecondaryIndexes {
		// On-demand tables take no capacity for their indexes.
		gsi := dynamodb.TableGlobalSecondaryIndexArgs{
			Name:           pulumi.String(g.Name),
			HashKey:        pulumi.String(g.PartitionKey),
			ProjectionType: pulumi.String(string(g.Projection)),
		}
		if g.SortKey != "" {
			gsi.RangeKey = pulumi.String(g.SortKey)
		}
		if len(g.NonKeyAttributes) > 0 {
			gsi.NonKeyAttributes = pulumi.ToStringArray(g.NonKeyAttributes)
		}
		gsis = append(gsis, gsi)
	}
	if len(gsis) > 0 {
		tArgs.GlobalSecondaryIndexes = gsis
	}
	if a.TTLAttribute != "" {
		tArgs.Ttl = &dynamodb.TableTtlArgs{AttributeName: pulumi.String(a.TTLAttribute), Enabled: pulumi.Bool(true)}
	}
	if a.Stream != StreamOff {
		tArgs.StreamEnabled = pulumi.Bool(true)
		tArgs.StreamViewType = pulumi.String(string(a.Stream))
	}
	tOpts := []pulumi.ResourceOption{pulumi.Parent(t)}
	if len(a.Replicas) > 0 {
		// The replicas are TableReplica resources, and the table's
		// replicas block reads them back after a refresh: the provider
		// says to ignore changes to it ("Use lifecycle ignoreChanges for
		// replica in the associated aws.dynamodb.Table configuration" and
		// the two are "mutually exclusive", pulumi-aws
		// sdk/v6@v6.83.0/go/aws/dynamodb/tableReplica.go), or the next
		// update would remove the replicas it did not declare.
		tOpts = append(tOpts, pulumi.IgnoreChanges([]string{"replicas"}))
	}
	var err error
	t.Table, err = dynamodb.NewTable(ctx, name, tArgs, tOpts...)
	if err != nil {
		return nil, err
	}
	if err := t.newReplicas(ctx, name, a); err != nil {
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
	return t.grant(g, "read", tableReadActions, keyDecryptActions)
}

// GrantWrite lets g put, update and delete items.
func (t *Table) GrantWrite(g Grantee) error {
	return t.grant(g, "write", tableWriteActions, keyEncryptDecryptActions)
}

// GrantReadWrite lets g read and write items.
func (t *Table) GrantReadWrite(g Grantee) error {
	return t.grant(g, "readwrite", append(append([]string(nil), tableReadActions...), tableWriteActions...), keyEncryptDecryptActions)
}

// GrantGetItem lets g get single items by key (dynamodb:GetItem) from the
// table and its replicas, and nothing else: no index, query, scan or
// write. It suits a probe that only needs to know the table answers.
func (t *Table) GrantGetItem(g Grantee) error {
	return t.grant(g, "getitem", []string{"dynamodb:GetItem"}, keyDecryptActions)
}

// GrantGetItemIn lets g get single items by key (dynamodb:GetItem) from
// the table's copy in region only — the table itself or its replica there
// — and only the items whose partition key is one of partitionKeys: the
// statement's condition ForAllValues:StringEquals on dynamodb:LeadingKeys
// (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/specifying-conditions.html)
// refuses a GetItem of any other key. It suits a probe that reads one
// reserved key of its own region's copy and must read nothing else.
func (t *Table) GrantGetItemIn(g Grantee, region string, partitionKeys ...string) error {
	if len(partitionKeys) == 0 {
		return fmt.Errorf("table %q: grant getitem in %q: no partition keys; name the keys g may read (GrantGetItem grants any)", t.name, region)
	}
	for _, k := range partitionKeys {
		if k == "" {
			return fmt.Errorf("table %q: grant getitem in %q: partition keys %q hold an empty key, which no item has", t.name, region, partitionKeys)
		}
	}
	arn, key, err := t.copyIn(region)
	if err != nil {
		return fmt.Errorf("table %q: grant getitem in %q: %w", t.name, region, err)
	}
	keys := slices.Sorted(slices.Values(partitionKeys))
	values := make([]pulumi.StringInput, 0, len(keys))
	for _, k := range slices.Compact(keys) {
		values = append(values, pulumi.String(k))
	}
	statements := []Statement{{
		Sid: "TableGetItem", Actions: []string{"dynamodb:GetItem"}, Resources: []pulumi.StringInput{arn},
		Conditions: []Condition{{Test: "ForAllValues:StringEquals", Variable: "dynamodb:LeadingKeys", Values: values}},
	}}
	if key != nil {
		statements = append(statements, Statement{Sid: "TableKey", Actions: keyDecryptActions, Resources: []pulumi.StringInput{key}})
	}
	return g.addToRolePolicy(fmt.Sprintf("table-%s-getitem-%s", t.name, region), statements...)
}

// grant adds the table statement, plus use of the table's Key when it has
// one (as CDK's table grants do: decrypt to read, encrypt and decrypt to
// write).
func (t *Table) grant(g Grantee, access string, actions, keyActions []string) error {
	// GetItem reads only the table itself: index ARNs would widen the
	// grant for nothing.
	indexes := access != "getitem"
	var resources []pulumi.StringInput
	arns := []pulumi.StringInput{t.Arn}
	for _, r := range t.replicas {
		arns = append(arns, r.res.Arn)
	}
	for _, arn := range arns {
		resources = append(resources, arn)
		if indexes {
			resources = append(resources, suffix("/index/*", arn))
		}
	}
	statement := Statement{Sid: "Table" + accessSid[access], Actions: actions, Resources: resources}
	if indexes {
		// Queries of any of the table's indexes, which are the table's own.
		statement.WildcardReason = "the indexes of this one table: index ARNs are the table's ARN, /index/ and the index name"
	}
	statements := []Statement{statement}
	if t.keyArn != nil {
		// A function in a replica's region reads and writes that replica,
		// encrypted with the replica's own key. A key given by ARN needs
		// the grant as much as a kumo Key does: DynamoDB uses it on the
		// caller's behalf.
		keys := []pulumi.StringInput{t.keyArn}
		for _, r := range t.replicas {
			if r.keyArn != "" {
				keys = append(keys, pulumi.String(r.keyArn))
			}
		}
		statements = append(statements, Statement{Sid: "TableKey", Actions: keyActions, Resources: keys})
	}
	return g.addToRolePolicy(fmt.Sprintf("table-%s-%s", t.name, access), statements...)
}

// accessSid spells an access level for statement IDs (alphanumeric only).
var accessSid = map[string]string{"read": "Read", "write": "Write", "readwrite": "ReadWrite", "getitem": "GetItem"}

// Validate reports every problem with the args, defaults applied, as the
// constructor would, without registering anything.
func (a TableArgs) Validate(name string) error {
	return invalid(fmt.Sprintf("table %q", name), a.withDefaults().validate())
}
