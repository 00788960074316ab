// Command smoketest is the web app's pre-traffic hook: before CodeDeploy
// shifts any traffic to a new version of the items function, it lists one
// item through that exact version and fails the deployment unless the
// version answers 200. Built with constructs/hook, which resolves the
// version under test and reports the result to CodeDeploy.
package main

import (
	"context"

	"github.com/kumo-iac/kumo/constructs/hook"
)

func main() { hook.Start(check) }

// check invokes the version under test with a list request.
func check(ctx context.Context, t hook.Target) error {
	out, err := t.Invoke(ctx, listRequest)
	if err != nil {
		return err
	}
	return expectOK(t.Version, out)
}
