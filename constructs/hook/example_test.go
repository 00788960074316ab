package hook_test

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/kumo-iac/kumo/constructs/hook"
)

// A pre-traffic hook that calls the new version's health route before any
// traffic reaches it, and fails the deployment unless it answers 200.
func ExampleStart() {
	hook.Start(func(ctx context.Context, t hook.Target) error {
		out, err := t.Invoke(ctx, []byte(`{"httpMethod":"GET","path":"/health"}`))
		if err != nil {
			return err
		}
		var resp struct {
			StatusCode int `json:"statusCode"`
		}
		if err := json.Unmarshal(out, &resp); err != nil {
			return fmt.Errorf("version %s answered %s: %w", t.Version, out, err)
		}
		if resp.StatusCode != 200 {
			return fmt.Errorf("version %s answered GET /health with %d, want 200", t.Version, resp.StatusCode)
		}
		return nil
	})
}
