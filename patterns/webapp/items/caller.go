package items

import (
	"slices"
	"strings"
)

// AdminGroup is the Cognito group whose members may see and manage every
// item. The web-app pattern creates a group of this name in its user pool.
const AdminGroup = "admins"

// Caller is who makes a request, as the API's Cognito authorizer verified
// it. Every item belongs to the Sub of the caller who created it; other
// callers cannot tell it exists unless they are admins.
type Caller struct {
	// Sub is the user's Cognito subject, which never changes for a user
	// (unlike the e-mail address).
	Sub string
	// Admin is true for members of AdminGroup.
	Admin bool
}

// canSee reports whether c may read and change it.
func (c Caller) canSee(it Item) bool { return c.Admin || (c.Sub != "" && it.CreatedBy == c.Sub) }

// CallerFromClaims reads the caller from a Cognito ID token's claims. ok is
// false when there is no sub: the request did not come through a Cognito
// authorizer, and the API refuses it.
func CallerFromClaims(claims map[string]string) (c Caller, ok bool) {
	c.Sub = claims["sub"]
	c.Admin = slices.Contains(groups(claims["cognito:groups"]), AdminGroup)
	return c, c.Sub != ""
}

// groups splits the cognito:groups claim. A token holds it as a JSON array;
// API Gateway's REST API Cognito authorizer flattens that into a string
// with the names separated by commas ("admins,editors"), and its HTTP API
// JWT authorizer into "[admins editors]". All three forms are read, and
// only whole names count, so "notadmins" is not "admins". Group names
// cannot hold whitespace (Cognito's GroupName pattern is
// [\p{L}\p{M}\p{S}\p{N}\p{P}]+); they can hold commas, but groups are made
// by the pool's administrators, not its users.
func groups(claim string) []string {
	claim = strings.TrimSpace(claim)
	claim = strings.TrimSuffix(strings.TrimPrefix(claim, "["), "]")
	return strings.FieldsFunc(claim, func(r rune) bool {
		return r == ',' || r == '"' || r == ' ' || r == '\t' || r == '\n'
	})
}
