package items

import (
	"context"
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/kumo-iac/kumo/internal/localaws"
)

// The tests run the Store against dynalite, an implementation of DynamoDB's
// protocol on Node.js (https://github.com/architect/dynalite), so that
// condition expressions, the owner index, Query and Scan pagination and
// concurrent conditional writes behave as a DynamoDB server makes them
// behave, not as a fake written next to the code assumes. One dynalite
// process serves the whole test binary, in memory, on a loopback port; each
// test gets its own table.
//
// internal/localaws starts it, from the installation that
// test/localaws/package-lock.json pins (see localaws.Install), or from the
// executable KUMO_DYNALITE names. Without one the tests that need it skip,
// except under CI=true, where they fail.

func TestMain(m *testing.M) {
	code := m.Run()
	localaws.StopAll()
	os.Exit(code)
}

// dynamo returns a client of the shared dynalite, starting it on first use.
func dynamo(t *testing.T) *dynamodb.Client {
	t.Helper()
	return localaws.Shared(t, localaws.Dynalite).DynamoDB()
}

// newTable creates a table with the items design, as the web-app pattern
// deploys it, and deletes it when the test ends.
func newTable(t *testing.T, ctx context.Context, db *dynamodb.Client) string {
	t.Helper()
	str := types.ScalarAttributeTypeS
	return localaws.NewTable(t, ctx, db, "items", dynamodb.CreateTableInput{
		BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String(IDAttribute), AttributeType: str},
			{AttributeName: aws.String(OwnerAttribute), AttributeType: str},
			{AttributeName: aws.String(CreatedAtAttribute), AttributeType: str},
		},
		KeySchema: []types.KeySchemaElement{{AttributeName: aws.String(IDAttribute), KeyType: types.KeyTypeHash}},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{
			IndexName: aws.String(OwnerIndex),
			KeySchema: []types.KeySchemaElement{
				{AttributeName: aws.String(OwnerAttribute), KeyType: types.KeyTypeHash},
				{AttributeName: aws.String(CreatedAtAttribute), KeyType: types.KeyTypeRange},
			},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		}},
	})
}
