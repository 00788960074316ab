package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/kumo-iac/kumo/internal/localaws"
	"github.com/kumo-iac/kumo/patterns/webapp/items"
)

// The smoke request goes through the items API against dynalite
// (internal/localaws), as the items function would serve it; without
// dynalite those tests skip, except under CI=true.
func TestMain(m *testing.M) {
	code := m.Run()
	localaws.StopAll()
	os.Exit(code)
}

func TestExpectOK(t *testing.T) {
	tests := []struct {
		name, out, wantErr string
	}{
		{"200", `{"statusCode":200,"body":"{\"items\":[]}"}`, ""},
		{"500", `{"statusCode":500,"body":"{\"error\":\"internal error\"}"}`, "answered GET /items with 500, want 200"},
		{"401", `{"statusCode":401,"body":"{\"error\":\"unauthorized\"}"}`, "answered GET /items with 401, want 200"},
		{"not a proxy response", `oops`, "not an API Gateway proxy response"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := expectOK("7", []byte(tt.out))
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("got %v; want nil", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("got %v; want an error containing %q", err, tt.wantErr)
			}
		})
	}
}

// toItemsRequest reads a proxy event as functions/items does (toRequest,
// claims, authorizerContext): a Cognito authorizer's claims, or a Lambda
// authorizer's flat context, and the SigV4 identity.
func toItemsRequest(t *testing.T, payload []byte) items.Request {
	t.Helper()
	var ev events.APIGatewayProxyRequest
	if err := json.Unmarshal(payload, &ev); err != nil {
		t.Fatalf("the smoke request is not an API Gateway proxy event: %v\n%s", err, payload)
	}
	req := items.Request{
		Method: ev.HTTPMethod, Resource: ev.Resource, PathParams: ev.PathParameters, Query: ev.QueryStringParameters,
		Headers: ev.Headers, Body: ev.Body, RequestID: ev.RequestContext.RequestID,
		IAMUserArn: ev.RequestContext.Identity.UserArn, IAMCaller: ev.RequestContext.Identity.Caller,
		IAMCognitoIdentityID: ev.RequestContext.Identity.CognitoIdentityID,
	}
	if raw, ok := ev.RequestContext.Authorizer["claims"].(map[string]any); ok {
		req.Claims = map[string]string{}
		for k, v := range raw {
			req.Claims[k], _ = v.(string)
		}
	} else if len(ev.RequestContext.Authorizer) > 0 {
		req.Authorizer = map[string]string{}
		for k, v := range ev.RequestContext.Authorizer {
			req.Authorizer[k], _ = v.(string)
		}
	}
	return req
}

// The request for each mode lists as smokeUser through the items API set
// to that mode: 200 and no items, though another user owns one. A request
// built for a mode that reads the caller elsewhere gets 401, which would roll back every release:
// the smoke test must follow the items function's AUTH_MODE.
func TestListRequestPassesTheItemsAPI(t *testing.T) {
	ctx := t.Context()
	db := localaws.Shared(t, localaws.Dynalite).DynamoDB()
	table := itemsTable(t, ctx, db)
	store := items.NewStore(db, table)
	if _, err := store.Create(ctx, items.Caller{Sub: "a1a1a1a1-0000-4000-8000-00000000a11c"}, items.Input{Name: "someone else's"}); err != nil {
		t.Fatal(err)
	}
	for _, sent := range []string{"", "cognito", "token", "request", "iam"} {
		payload, err := listRequest(sent)
		if err != nil {
			t.Fatalf("listRequest(%q): %v", sent, err)
		}
		req := toItemsRequest(t, payload)
		if req.Method != "GET" || req.Resource != items.CollectionResource || req.Query["limit"] != "1" {
			t.Errorf("AUTH_MODE %q: got %s %s %v; want GET %s?limit=1", sent, req.Method, req.Resource, req.Query, items.CollectionResource)
		}
		sentMode, _ := items.ParseAuthMode(sent)
		for _, served := range items.AuthModes {
			h := items.NewHandler(store, "", slog.New(slog.DiscardHandler)).WithIdentity(items.Identity{Mode: served, AdminGroups: served == items.AuthToken})
			resp := h.Handle(ctx, req)
			want := 401
			if family(served) == family(sentMode) {
				want = 200
			}
			if resp.Status != want {
				t.Errorf("request for AUTH_MODE %q served by %s: got %d %s; want %d", sent, served, resp.Status, resp.Body, want)
				continue
			}
			if want == 200 && !strings.Contains(resp.Body, `"items":[]`) {
				t.Errorf("request for AUTH_MODE %q: got %s; want an empty list (the smoke user owns nothing)", sent, resp.Body)
			}
		}
	}
}

// family groups the modes by where the caller is: token and request both
// read a Lambda authorizer's context.
func family(m items.AuthMode) items.AuthMode {
	if m == items.AuthRequest {
		return items.AuthToken
	}
	return m
}

// The hook's identity in each mode is smokeUser, never an admin, and in
// iam mode a caller ID alone (no principal ARN of the account).
func TestListRequestCaller(t *testing.T) {
	for _, mode := range items.AuthModes {
		t.Run(string(mode), func(t *testing.T) {
			payload, err := listRequest(string(mode))
			if err != nil {
				t.Fatal(err)
			}
			c, ok := items.Identity{Mode: mode, AdminScope: "items:admin", AdminGroups: true}.Caller(toItemsRequest(t, payload))
			if !ok || c.Sub != smokeUser || c.Admin {
				t.Errorf("got caller %+v (ok %t); want %s, not an admin", c, ok, smokeUser)
			}
			if mode == items.AuthIAM && strings.Contains(string(payload), "userArn") {
				t.Errorf("iam request %s names a userArn; want only the caller ID", payload)
			}
		})
	}
}

func TestListRequestBadMode(t *testing.T) {
	_, err := listRequest("oidc")
	if err == nil || !strings.Contains(err.Error(), `AUTH_MODE is "oidc"`) || !strings.Contains(err.Error(), "cognito, token, request or iam") {
		t.Errorf("got %v; want an error naming AUTH_MODE, the value and the modes", err)
	}
}

// itemsTable creates a table of the items design on the shared dynalite.
func itemsTable(t *testing.T, ctx context.Context, db *dynamodb.Client) string {
	t.Helper()
	str := types.ScalarAttributeTypeS
	return localaws.NewTable(t, ctx, db, "items", dynamodb.CreateTableInput{
		BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String(items.IDAttribute), AttributeType: str},
			{AttributeName: aws.String(items.OwnerAttribute), AttributeType: str},
			{AttributeName: aws.String(items.CreatedAtAttribute), AttributeType: str},
		},
		KeySchema: []types.KeySchemaElement{{AttributeName: aws.String(items.IDAttribute), KeyType: types.KeyTypeHash}},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{
			IndexName: aws.String(items.OwnerIndex),
			KeySchema: []types.KeySchemaElement{
				{AttributeName: aws.String(items.OwnerAttribute), KeyType: types.KeyTypeHash},
				{AttributeName: aws.String(items.CreatedAtAttribute), KeyType: types.KeyTypeRange},
			},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		}},
	})
}
