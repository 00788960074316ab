// Command authzcheck is the pre-traffic hook of the web app's Lambda
// authorizer: before CodeDeploy shifts any traffic to a new version of the
// authorizer, it invokes that exact version with kumo's refresh event,
// {"kumo":"refresh-keys"}, and fails the deployment unless the version
// answers that it refreshed. The refresh exercises what the authorizer
// needs to check any token and to survive an outage of its issuer: its
// configuration (a bad one exits at init), a fetch of the issuer's keys,
// and a write of the region's key snapshot. A version that cannot do them
// rolls back without ever taking a request, also in a passive region whose
// authorizer sees no traffic until a failover. Built with constructs/hook,
// which resolves the version under test and reports the result to
// CodeDeploy.
//
// It writes the snapshot as the refresh schedule does, so a release also
// refreshes it; while the issuer is unreachable the authorizer cannot be
// released (its old version keeps serving).
package main

import (
	"context"

	"github.com/kumo-iac/kumo/constructs/hook"
)

func main() { hook.Start(checkTarget) }

// checkTarget checks the version under test, t.Version, invoking exactly
// that version.
func checkTarget(ctx context.Context, t hook.Target) error {
	return check(ctx, t.Version, t.Invoke)
}
