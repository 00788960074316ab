// Package kumoevent names the events kumo itself sends the web app's
// authorizer function, besides API Gateway's authorizer events: the key
// refresh schedule and the release hook (functions/authzcheck) send
// Refresh, and functions/authorizer answers it. It is a package apart from
// authz so that the web app pattern, which user programs link, and the
// hook's bundle can name the event without linking authz's SSM client and
// JWT libraries (issue 9).
package kumoevent

const (
	// RefreshKeys is the kumo field's value in Refresh. An event with a
	// kumo field is kumo's: API Gateway's authorizer events have none.
	RefreshKeys = "refresh-keys"
	// Refresh has the authorizer fetch its issuer's keys and write the key
	// snapshot, answering {"refreshed":true} when both worked.
	Refresh = `{"kumo":"` + RefreshKeys + `"}`
)
