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

// AuthMode is the kind of authorizer in front of the items routes; it
// decides where in the request the caller's identity is.
type AuthMode string

// Auth modes, named as the web app's itemsAuthorizer key names them.
const (
	// AuthCognito: a Cognito user pool authorizer's verified claims.
	AuthCognito AuthMode = "cognito"
	// AuthToken and AuthRequest: a Lambda authorizer's context (the web
	// app's functions/authorizer puts the token's sub and scope there).
	AuthToken   AuthMode = "token"
	AuthRequest AuthMode = "request"
	// AuthIAM: the SigV4 signer's IAM principal.
	AuthIAM AuthMode = "iam"
)

// AuthModes are the modes, in the order the docs list them.
var AuthModes = []AuthMode{AuthCognito, AuthToken, AuthRequest, AuthIAM}

// Identity tells the handler which authorizer protects its routes. Only
// that authorizer's part of the request counts: API Gateway fills the
// request context itself, but a caller reaching a route through another
// authorizer must not be read as someone else.
type Identity struct {
	// Mode is the authorizer. Default: AuthCognito.
	Mode AuthMode
	// AdminScope makes a caller of a token or request authorizer an admin
	// when the token carries it. Default: "", nobody is an admin.
	AdminScope string
	// AdminGroups makes such a caller an admin when the authorizer's groups
	// (a Cognito token's cognito:groups) hold AdminGroup: the user pool's
	// admins stay admins when kumo's authorizer checks the pool's tokens
	// (two regions). Default: false.
	AdminGroups bool
}

// Caller reads the caller of req. ok is false when the authorizer passed
// no identity (a route deployed without it, or a direct invocation), and
// the API answers 401.
//
// cognito: sub and the cognito:groups claim (AdminGroup members are
// admins). token and request: the authorizer context's sub, and scope (the
// token's scopes, space-separated, as functions/authorizer sets them)
// holding AdminScope makes an admin. iam: the signer (iamOwner); IAM
// callers are never admins, since no IAM principal is a member of the app's
// admins.
func (id Identity) Caller(req Request) (c Caller, ok bool) {
	switch id.Mode {
	case AuthToken, AuthRequest:
		c.Sub = req.Authorizer["sub"]
		c.Admin = id.AdminScope != "" && slices.Contains(strings.Fields(req.Authorizer["scope"]), id.AdminScope) ||
			id.AdminGroups && slices.Contains(strings.Fields(req.Authorizer["groups"]), AdminGroup)
	case AuthIAM:
		c.Sub = iamOwner(req)
	default:
		return CallerFromClaims(req.Claims)
	}
	if c.Sub == "" {
		c.Admin = false
	}
	return c, c.Sub != ""
}

// ParseAuthMode reads an AUTH_MODE setting; "" is AuthCognito.
func ParseAuthMode(s string) (AuthMode, bool) {
	if s == "" {
		return AuthCognito, true
	}
	m := AuthMode(s)
	return m, slices.Contains(AuthModes, m)
}

// iamOwner is who owns an IAM caller's items. A role session's name is
// the caller's to choose (sts:AssumeRole RoleSessionName), so a session
// must not be an owner: whoever can assume the role could take any
// session's items by reusing its name. A Cognito identity pool user is its
// identity ID (every such user shares the pool role's session name); any
// other assumed role is the role itself, all its sessions one owner; an IAM
// user is its ARN.
func iamOwner(req Request) string {
	if req.IAMCognitoIdentityID != "" {
		return "cognito-identity:" + req.IAMCognitoIdentityID
	}
	if arn := req.IAMUserArn; arn != "" {
		// arn:aws:sts::<account>:assumed-role/<role>/<session>
		if rest, ok := strings.CutPrefix(arn, "arn:"); ok {
			parts := strings.SplitN(rest, ":", 5)
			if len(parts) == 5 && parts[1] == "sts" {
				if role, ok := strings.CutPrefix(parts[4], "assumed-role/"); ok {
					role, _, _ = strings.Cut(role, "/")
					return "arn:" + parts[0] + ":iam::" + parts[3] + ":role/" + role
				}
			}
		}
		return arn
	}
	// The caller ID of a role session is <role ID>:<session name>.
	id, _, _ := strings.Cut(req.IAMCaller, ":")
	return id
}
