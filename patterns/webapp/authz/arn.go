package authz

import (
	"errors"
	"regexp"
	"strings"
	"unicode"
)

// A method ARN as API Gateway sends it to a TOKEN authorizer:
// arn:<partition>:execute-api:<region>:<account>:<api id>/<stage>/<method>/<resource path>
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-input.html,
// and the Resource format of
// https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-control-access-using-iam-policies-to-invoke-api.html).
// Stage names are letters, digits, hyphens and underscores, at most 128
// (https://docs.aws.amazon.com/apigateway/latest/api/API_CreateStage.html);
// the method is the request's, never ANY, which is only a method setting.
var methodARNPrefix = regexp.MustCompile(`^arn:aws(-[a-z]+)*:execute-api:[a-z]{2}(-[a-z]+)+-[0-9]{1,2}:[0-9]{12}:[a-z0-9]+/[A-Za-z0-9_-]{1,128}/(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)/`)

// maxMethodARN bounds the work on a caller-controlled string; request
// paths in REST APIs are far shorter.
const maxMethodARN = 2048

// checkMethodARN refuses anything but one concrete method on one concrete
// path. The ARN becomes the policy's Resource, where * and ? are
// wildcards (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html#reference_policies_elements_resource_wildcards):
// a request path carrying them would widen the grant beyond the route
// being called.
func checkMethodARN(arn string) error {
	if len(arn) > maxMethodARN {
		return errors.New("method ARN is too long")
	}
	loc := methodARNPrefix.FindStringIndex(arn)
	if loc == nil {
		return errors.New("method ARN is not arn:aws:execute-api:<region>:<account>:<api>/<stage>/<method>/<path>")
	}
	path := arn[loc[1]:]
	if strings.ContainsAny(path, "*?") {
		return errors.New("method ARN's path has a wildcard character (* or ?)")
	}
	for _, r := range path {
		if unicode.IsSpace(r) || unicode.IsControl(r) || r == unicode.ReplacementChar {
			return errors.New("method ARN's path has a space, control or invalid character")
		}
	}
	return nil
}
