package diff

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/kumo-iac/kumo/internal/iampolicy"
)

// publicExposure lists the changes that let more callers in: routes whose
// authorization is removed, permissions and resource policies opened to
// anyone or another account, public access blocks turned off, a
// distribution's origin losing its access control, in URN order.
func publicExposure(ix *stackIndex) []PublicChange {
	out := []PublicChange{}
	for i := range ix.changes {
		c := &ix.changes[i]
		if c.Op == OpSame {
			continue
		}
		pc := PublicChange{URN: c.URN, Type: c.Type}
		switch c.Type {
		case typeMethod:
			out = append(out, methodExposure(ix, c, pc)...)
		case "aws:lambda/permission:Permission":
			out = append(out, permissionExposure(c, pc)...)
		case "aws:lambda/functionUrl:FunctionUrl":
			// pulumi-aws names it authorizationType; NONE lets anyone call
			// the URL. https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html
			if str(c.New, "authorizationType") == "NONE" && str(c.Old, "authorizationType") != "NONE" {
				pc.What, pc.Before, pc.After = "URL of function "+fmtValue(c.New["functionName"]), orNew(c, str(c.Old, "authorizationType")), "NONE (public)"
				out = append(out, pc)
			}
		case "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock":
			if c.Op == OpDelete && ix.dependencyGone(c) {
				continue
			}
			// Each flag defaults to false, so a removed flag or a removed
			// block turns it off.
			// https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html
			for _, f := range []string{"blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"} {
				if c.Old[f] == true && c.New[f] != true {
					pc.What = fmt.Sprintf("bucket %s: %s", fmtValue(inputs(c)["bucket"]), f)
					pc.Before, pc.After = "true", "false"
					if c.Op == OpDelete {
						pc.After = "false (block removed)"
					}
					out = append(out, pc)
				}
			}
		case "aws:cloudfront/distribution:Distribution":
			out = append(out, originExposure(c, pc)...)
		}
		if p, ok := policyProps[c.Type]; ok && c.Type != "aws:iam/role:Role" && c.Type != "aws:iam/rolePolicy:RolePolicy" && c.Type != "aws:iam/policy:Policy" {
			for _, pp := range p {
				out = append(out, policyExposure(c, pp, pc)...)
			}
		}
	}
	return out
}

// orNew is the Before of something created: there was nothing to reach.
func orNew(c *Change, before string) string {
	if c.Op == OpCreate || before == "" {
		return "(new)"
	}
	return before
}

// kumoRoute is how kumo's Api names a method: "<api>-GET-/items/{id}".
var kumoRoute = regexp.MustCompile(`-(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS|ANY)-(/.*)$`)

// route names a method as "GET /items/{id}": through the API resource it
// is on and their parents' pathParts, or kumo's naming, or its name.
func route(ix *stackIndex, c *Change) string {
	in := inputs(c)
	verb := str(in, "httpMethod")
	if p, ok := resourcePath(ix, c, 0); ok && verb != "" {
		return verb + " " + p
	}
	if m := kumoRoute.FindStringSubmatch(c.Name); m != nil {
		return m[1] + " " + m[2]
	}
	return strings.TrimSpace(verb + " " + c.Name)
}

// resourcePath walks the aws:apigateway/resource c depends on up to the
// API's root. The synth's parentId and resourceId are IDs known only after
// deploy (mock IDs offline), so the walk follows dependencies, which name
// URNs.
func resourcePath(ix *stackIndex, c *Change, depth int) (string, bool) {
	if depth > 64 {
		return "", false
	}
	for _, u := range c.Dependencies {
		r := ix.byURN[u]
		if r == nil || r.Type != "aws:apigateway/resource:Resource" || r.URN == c.URN {
			continue
		}
		part := str(inputs(r), "pathPart")
		if part == "" {
			return "", false
		}
		parent, ok := resourcePath(ix, r, depth+1)
		if !ok {
			return "", false
		}
		return strings.TrimSuffix(parent, "/") + "/" + part, true
	}
	if c.Type == "aws:apigateway/resource:Resource" {
		return "/", true // on the root
	}
	return "", false
}

func methodExposure(ix *stackIndex, c *Change, pc PublicChange) []PublicChange {
	in := c.New
	if c.Op == OpDelete || str(in, "httpMethod") == "OPTIONS" {
		// OPTIONS answers CORS preflights, which carry no credentials.
		return nil
	}
	var out []PublicChange
	pc.What = route(ix, c)
	if str(in, "authorization") == "NONE" && (c.Op == OpCreate || str(c.Old, "authorization") != "NONE") {
		p := pc
		p.Before, p.After = orNew(c, str(c.Old, "authorization")), "NONE (public)"
		out = append(out, p)
	}
	if c.Op != OpCreate && c.Old["apiKeyRequired"] == true && in["apiKeyRequired"] != true {
		p := pc
		p.Before, p.After = "API key required", "no API key"
		out = append(out, p)
	}
	return out
}

var accountID = regexp.MustCompile(`^(\d{12}|arn:aws[a-z-]*:iam::\d{12}:root)$`)

func permissionExposure(c *Change, pc PublicChange) []PublicChange {
	if c.Op == OpDelete {
		return nil
	}
	p, old := str(c.New, "principal"), str(c.Old, "principal")
	openNow := p == "*" && !restricted(permissionConditions(c.New))
	openBefore := c.Op != OpCreate && old == "*" && !restricted(permissionConditions(c.Old))
	pc.What = "invoke of function " + fmtValue(c.New["function"])
	if q := str(c.New, "qualifier"); q != "" {
		pc.What += ":" + q
	}
	pc.Before = orNew(c, old)
	if old == "*" && !openBefore && c.Op != OpCreate {
		pc.Before = "* (limited by source)"
	}
	switch {
	case openNow && !openBefore:
		pc.After = "* (anyone)"
	case accountID.MatchString(p) && (c.Op == OpCreate || p != old):
		pc.After = "account " + p
	default:
		return nil
	}
	return []PublicChange{pc}
}

func permissionConditions(in map[string]any) map[string]any {
	cond := map[string]any{}
	for _, k := range []string{"sourceArn", "sourceAccount", "principalOrgId"} {
		if v, ok := in[k]; ok {
			cond[k] = v
		}
	}
	return map[string]any{"": cond}
}

// restrictingKeys are condition keys that limit who may call, whatever the
// principal: a "*" principal with one of them is not open to the world.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
var restrictingKeys = map[string]bool{
	"aws:sourcearn": true, "aws:sourceaccount": true, "aws:sourceowner": true, "aws:sourcevpc": true,
	"aws:sourcevpce": true, "aws:principalorgid": true, "aws:principalorgpaths": true, "aws:principalaccount": true,
	"aws:principalarn": true, "aws:sourceip": true, "aws:userid": true, "aws:username": true,
	"kms:calleraccount": true, "sourcearn": true, "sourceaccount": true, "principalorgid": true,
}

func restricted(cond map[string]any) bool {
	for _, keys := range cond {
		m, _ := keys.(map[string]any)
		for k := range m {
			if restrictingKeys[strings.ToLower(k)] {
				return true
			}
		}
	}
	return false
}

// openStatements returns the Allow statements of a policy open to anyone
// (Principal "*" or AWS "*") without a restricting condition, by key.
func openStatements(v any) map[string]iampolicy.Statement {
	sts, _ := iampolicy.Parse(v)
	out := map[string]iampolicy.Statement{}
	for _, st := range sts {
		if !strings.EqualFold(st.Effect, "Allow") || restricted(st.Condition) {
			continue
		}
		for _, p := range iampolicy.Principals(st.Principal) {
			if p == "*" || p == "AWS:*" {
				out[stmtKey(st)] = st
				break
			}
		}
	}
	return out
}

func policyExposure(c *Change, pp policyProp, pc PublicChange) []PublicChange {
	if c.Op == OpDelete {
		return nil
	}
	before, now := openStatements(c.Old[pp.prop]), openStatements(c.New[pp.prop])
	var out []PublicChange
	for _, k := range slices.Sorted(maps.Keys(now)) {
		if _, was := before[k]; was {
			continue
		}
		st := now[k]
		p := pc
		p.What = pp.attached(c, c.New)
		if st.Sid != "" {
			p.What += " statement " + st.Sid
		}
		p.What += ": " + strings.Join(sortedCopy(st.Action), ", ")
		p.Before = orNew(c, "not public")
		p.After = "Principal * (anyone)"
		out = append(out, p)
	}
	return out
}

// originExposure reports origins that lose their origin access control
// (or identity): the bucket behind them must then be readable some other
// way, often publicly.
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-restricting-access-to-s3.html
func originExposure(c *Change, pc PublicChange) []PublicChange {
	if c.Op == OpCreate || c.Op == OpDelete {
		return nil
	}
	access := func(in map[string]any) map[string]string {
		out := map[string]string{}
		l, _ := in["origins"].([]any)
		for _, e := range l {
			o, _ := e.(map[string]any)
			id := str(o, "originId")
			if oac := str(o, "originAccessControlId"); oac != "" {
				out[id] = "OAC " + oac
			} else if oai := str(asMap(o["s3OriginConfig"]), "originAccessIdentity"); oai != "" {
				out[id] = "OAI " + oai
			}
		}
		return out
	}
	before, now := access(c.Old), access(c.New)
	var out []PublicChange
	for _, id := range slices.Sorted(maps.Keys(before)) {
		if _, ok := now[id]; ok {
			continue
		}
		p := pc
		p.What = fmt.Sprintf("distribution %s origin %s", c.Name, id)
		p.Before, p.After = before[id], "no origin access control"
		out = append(out, p)
	}
	return out
}
