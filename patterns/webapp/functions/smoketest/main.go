// Command smoketest is the web app's pre-traffic hook: before CodeDeploy
// shifts any traffic to a new version of the items function, it lists one
// item through that exact version and fails the deployment unless the
// version answers 200. Built with constructs/hook, which resolves the
// version under test and reports the result to CodeDeploy.
//
// Environment: AUTH_MODE is the items function's (cognito when unset,
// token, request or iam): the request carries the caller where that mode's
// authorizer puts it.
package main

import (
	"context"
	"os"

	"github.com/kumo-iac/kumo/constructs/hook"
)

func main() {
	req, reqErr := listRequest(os.Getenv("AUTH_MODE"))
	hook.Start(func(ctx context.Context, t hook.Target) error {
		if reqErr != nil {
			// Reported as Failed, so the deployment rolls back at once
			// instead of waiting out CodeDeploy's hook timeout.
			return reqErr
		}
		return check(ctx, t, req)
	})
}

// check invokes the version under test with the list request.
func check(ctx context.Context, t hook.Target, req []byte) error {
	out, err := t.Invoke(ctx, req)
	if err != nil {
		return err
	}
	return expectOK(t.Version, out)
}
