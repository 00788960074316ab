package main

import (
	"encoding/json"
	"fmt"
)

// listRequest is what API Gateway sends for GET /items?limit=1 from a
// signed-in user. The items API refuses requests without a Cognito sub
// claim, so the hook lists as a user of its own, "kumo-smoketest": no
// Cognito sub looks like that (they are UUIDs), so it owns no items and the
// list is a Query of the owner index that finds none.
var listRequest = []byte(`{"httpMethod":"GET","resource":"/items","path":"/items","queryStringParameters":{"limit":"1"},` +
	`"requestContext":{"requestId":"kumo-smoketest","authorizer":{"claims":{"sub":"kumo-smoketest"}}}}`)

// expectOK accepts only a proxy response with status 200.
func expectOK(version string, out []byte) error {
	var resp struct {
		StatusCode int    `json:"statusCode"`
		Body       string `json:"body"`
	}
	if err := json.Unmarshal(out, &resp); err != nil {
		return fmt.Errorf("version %s answered GET /items with %q, not an API Gateway proxy response: %w", version, out, err)
	}
	if resp.StatusCode != 200 {
		return fmt.Errorf("version %s answered GET /items with %d, want 200: %s", version, resp.StatusCode, resp.Body)
	}
	return nil
}
