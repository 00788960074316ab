package check

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/kumo-iac/kumo/internal/synth"
)

// API Gateway (REST, v1) rules. pulumi-aws v6 keeps what CloudFormation
// holds in a stage's MethodSettings in aws:apigateway/methodSettings
// resources, each naming its API (restApi: the API's ID) and stage
// (stageName), and a method's responses in aws:apigateway/methodResponse
// resources naming the API, resource and HTTP method.

const (
	typeRestAPI               = "aws:apigateway/restApi:RestApi"
	typeRestAPIStage          = "aws:apigateway/stage:Stage"
	typeRestAPIMethod         = "aws:apigateway/method:Method"
	typeRestAPIMethodResponse = "aws:apigateway/methodResponse:MethodResponse"
	typeRestAPIMethodSettings = "aws:apigateway/methodSettings:MethodSettings"
	typeRestAPIValidator      = "aws:apigateway/requestValidator:RequestValidator"
	typeRestAPIWAFAssociation = "aws:wafv2/webAclAssociation:WebAclAssociation"
)

// restAPIStageSettings returns the method settings of stage s that apply to
// every method ("*/*", CloudFormation's HttpMethod "*" and ResourcePath
// "/*"), the only ones cdk-nag's stage rules accept.
func restAPIStageSettings(g *synth.Stack, s *synth.Resource) []*synth.Resource {
	api, ok1 := s.String("restApi")
	stage, ok2 := s.String("stageName")
	if !ok1 || !ok2 {
		return nil
	}
	idx := g.Index("restapi: all-methods settings by api and stage", typeRestAPIMethodSettings, func(m *synth.Resource) (string, bool) {
		if path, _ := m.String("methodPath"); path != "*/*" {
			return "", false
		}
		api, ok1 := m.String("restApi")
		stage, ok2 := m.String("stageName")
		return api + "\x00" + stage, ok1 && ok2
	})
	return idx[api+"\x00"+stage]
}

// restAPIStageName names a stage in messages: its API and stage name.
func restAPIStageName(s *synth.Resource) string {
	api, _ := s.String("restApi")
	stage, _ := s.String("stageName")
	return fmt.Sprintf("stage %q of REST API %q", stage, api)
}

// checkRestAPIAccessLogging is cdk-nag's APIGWAccessLogging, behind
// AwsSolutions-APIG1 and Serverless-APIGWAccessLogging: both the
// destination and the format are set.
func checkRestAPIAccessLogging(r *synth.Resource, _ *synth.Stack) []Hit {
	var missing []string
	for _, p := range []string{"accessLogSettings.destinationArn", "accessLogSettings.format"} {
		if !set(r, p) {
			missing = append(missing, p)
		}
	}
	switch len(missing) {
	case 1:
		return hit("%s: %s is not set", restAPIStageName(r), missing[0])
	case 2:
		return hit("%s: %s are not set", restAPIStageName(r), strings.Join(missing, " and "))
	}
	return nil
}

const restAPIAccessLogFix = "Set the stage's accessLogSettings: destinationArn a log group with retention, format a JSON object of $context fields. " +
	"kumo's Api does (a JSON format, LogRetentionDays) unless DisableLogs is set; API Gateway also needs the region's CloudWatch Logs role (kumo's ApiGatewayAccount)."

func init() {
	register(
		Rule{
			// cdk-nag src/rules/apigw/APIGWAccessLogging.ts
			ID: "AwsSolutions-APIG1", Level: Error, Types: []string{typeRestAPIStage},
			What:  "The API does not have access logging enabled.",
			Why:   "Enabling access logs helps operators view who accessed an API and how the caller accessed the API.",
			Fix:   restAPIAccessLogFix,
			Check: checkRestAPIAccessLogging,
		},
		Rule{
			// cdk-nag src/rules/apigw/APIGWAccessLogging.ts
			ID: "Serverless-APIGWAccessLogging", Level: Error, Types: []string{typeRestAPIStage},
			What:  "The API Gateway Stage does not have access logging enabled.",
			Why:   "API Gateway provides access logging for API stages. Enable access logging on your API stages to monitor API requests and responses.",
			Fix:   restAPIAccessLogFix,
			Check: checkRestAPIAccessLogging,
		},
		Rule{
			// cdk-nag src/rules/apigw/APIGWRequestValidation.ts: a validator
			// of the API validating body and parameters; whether methods use
			// it is not checked.
			ID: "AwsSolutions-APIG2", Level: Error, Types: []string{typeRestAPI},
			What: "The REST API does not have request validation enabled.",
			Why:  "The API should have basic request validation enabled. If the API is integrated with custom source (Lambda, ECS, etc..) in the backend, deeper input validation should be considered for implementation.",
			Fix: "Add an aws:apigateway/requestValidator:RequestValidator for the API with validateRequestBody and validateRequestParameters true, and name it in its methods' requestValidatorId. " +
				"kumo's Api creates one when a route sets BodySchema or RequiredQuery.",
			Check: func(r *synth.Resource, g *synth.Stack) []Hit {
				for _, v := range byRef(g, typeRestAPIValidator, "restApi", r) {
					if boolIs(v, "validateRequestBody", true) && boolIs(v, "validateRequestParameters", true) {
						return nil
					}
				}
				return hit("no aws:apigateway/requestValidator:RequestValidator of REST API %q has validateRequestBody and validateRequestParameters true", r.Physical("name"))
			},
		},
		Rule{
			// cdk-nag src/rules/apigw/APIGWAssociatedWithWAF.ts: a web ACL
			// association whose resourceArn names the API and the stage.
			ID: "AwsSolutions-APIG3", Level: Warning, Types: []string{typeRestAPIStage},
			What: "The REST API stage is not associated with AWS WAFv2 web ACL.",
			Why:  "AWS WAFv2 is a web application firewall that helps protect web applications and APIs from attacks by allowing configured rules to allow, block, or monitor (count) web requests based on customizable rules and conditions that are defined.",
			Fix:  "Add an aws:wafv2/webAclAssociation:WebAclAssociation with resourceArn the stage's arn and a regional web ACL (e.g. with AWS managed rule groups). kumo's Api does not create one.",
			Check: func(r *synth.Resource, g *synth.Stack) []Hit {
				api, ok1 := r.String("restApi")
				stage, ok2 := r.String("stageName")
				idx := g.Index("restapi: waf association by api and stage", typeRestAPIWAFAssociation, func(a *synth.Resource) (string, bool) {
					arn, _ := a.String("resourceArn")
					return restAPIStageOfArn(arn)
				})
				if ok1 && ok2 && len(idx[api+"\x00"+stage]) > 0 {
					return nil
				}
				return hit("no aws:wafv2/webAclAssociation:WebAclAssociation has resourceArn of %s", restAPIStageName(r))
			},
		},
		Rule{
			// cdk-nag src/rules/apigw/APIGWAuthorization.ts: a CORS
			// preflight (OPTIONS, every response 204 with an
			// Access-Control-Allow-* header) is exempt.
			ID: "AwsSolutions-APIG4", Level: Error, Types: []string{typeRestAPIMethod},
			What: "The API does not implement authorization.",
			Why:  "In most cases an API needs to have an authentication and authorization implementation strategy. This includes using such approaches as IAM, Cognito User Pools, Custom authorizer, etc.",
			Fix: "Set the method's authorization to AWS_IAM, COGNITO_USER_POOLS or CUSTOM (with authorizerId). " +
				"kumo's Api authorizes every route unless it is declared Public, with a PublicReason it records as this rule's suppression; elsewhere suppress the rule for a method that is public on purpose, with the reason.",
			Check: func(r *synth.Resource, g *synth.Stack) []Hit {
				method, _ := r.String("httpMethod")
				if method == "OPTIONS" && restAPICORSPreflight(r, g) {
					return nil
				}
				v, ok := r.Value("authorization")
				switch {
				case !ok:
					return hit("authorization of method %s is not set", method)
				case synth.Unknown(v):
					return hit("authorization of method %s is not known until deploy, so it cannot be checked", method)
				case v == "NONE":
					return hit("authorization of method %s is \"NONE\"", method)
				}
				return nil
			},
		},
		Rule{
			// cdk-nag src/rules/apigw/APIGWExecutionLoggingEnabled.ts
			ID: "AwsSolutions-APIG6", Level: Error, Types: []string{typeRestAPIStage},
			What: "The REST API Stage does not have CloudWatch logging enabled for all methods.",
			Why:  "Enabling CloudWatch logs at the stage level helps operators to track and analyze execution behavior at the API stage level.",
			Fix: "Add an aws:apigateway/methodSettings:MethodSettings for the stage with methodPath \"*/*\" and settings.loggingLevel \"ERROR\" or \"INFO\" (the region needs API Gateway's CloudWatch Logs role). " +
				"kumo's Api sets ERROR unless DisableLogs is set.",
			Check: func(r *synth.Resource, g *synth.Stack) []Hit {
				var levels []string
				for _, m := range restAPIStageSettings(g, r) {
					v, ok := m.Value("settings.loggingLevel")
					switch {
					case !ok:
						levels = append(levels, "not set")
					case synth.Unknown(v):
						levels = append(levels, "not known until deploy")
					case v == "ERROR" || v == "INFO":
						return nil
					default:
						levels = append(levels, fmt.Sprintf("%q", fmt.Sprint(v)))
					}
				}
				if len(levels) == 0 {
					return hit("no aws:apigateway/methodSettings:MethodSettings with methodPath \"*/*\" for %s", restAPIStageName(r))
				}
				return hit("settings.loggingLevel of the \"*/*\" method settings of %s is %s; want \"ERROR\" or \"INFO\"", restAPIStageName(r), strings.Join(levels, ", "))
			},
		},
		Rule{
			// cdk-nag src/rules/apigw/APIGWDefaultThrottling.ts; pulumi's
			// -1 (its default) means throttling is off, so it counts as unset.
			ID: "Serverless-APIGWDefaultThrottling", Level: Error, Types: []string{typeRestAPIStage},
			What: "The API Gateway Stage is using default throttling setting.",
			Why:  "API Gateway default throttling settings may not be suitable for all applications. Custom throttling limits help protect your backend systems from being overwhelmed with requests, ensure consistent performance, and can be tailored to your specific use case.",
			Fix:  "Set settings.throttlingRateLimit and settings.throttlingBurstLimit in the stage's \"*/*\" aws:apigateway/methodSettings:MethodSettings. kumo's Api does (ThrottleRateLimit 100, ThrottleBurstLimit 200 by default).",
			Check: func(r *synth.Resource, g *synth.Stack) []Hit {
				settings := restAPIStageSettings(g, r)
				var problems []string
				for _, m := range settings {
					missing := restAPIThrottleUnset(m)
					if len(missing) == 0 {
						return nil
					}
					problems = append(problems, missing...)
				}
				if len(settings) == 0 {
					return hit("no aws:apigateway/methodSettings:MethodSettings with methodPath \"*/*\" sets throttling for %s", restAPIStageName(r))
				}
				return hit("the \"*/*\" method settings of %s leave throttling at its default: %s", restAPIStageName(r), strings.Join(problems, ", "))
			},
		},
		Rule{
			// cdk-nag src/rules/apigw/APIGWStructuredLogging.ts: not
			// applicable without access logs; the format must parse as JSON.
			ID: "Serverless-APIGWStructuredLogging", Level: Warning, Types: []string{typeRestAPIStage},
			What: "The API Gateway logs are not configured for the JSON format.",
			Why:  "You can customize the log format that Amazon API Gateway uses to send logs. JSON Structured logging makes it easier to derive queries to answer arbitrary questions about the health of your application.",
			Fix:  "Set accessLogSettings.format to a JSON object of $context fields, every value quoted (e.g. {\"requestId\":\"$context.requestId\",\"status\":\"$context.status\"}). kumo's Api does.",
			Check: func(r *synth.Resource, _ *synth.Stack) []Hit {
				if !set(r, "accessLogSettings") {
					return nil
				}
				v, ok := r.Value("accessLogSettings.format")
				format, isStr := v.(string)
				switch {
				case !ok:
					return hit("accessLogSettings.format of %s is not set", restAPIStageName(r))
				case synth.Unknown(v):
					return hit("accessLogSettings.format of %s is not known until deploy, so it cannot be checked to be JSON", restAPIStageName(r))
				case !isStr || !json.Valid([]byte(format)):
					return hit("accessLogSettings.format of %s is not JSON: %s", restAPIStageName(r), restAPIShort(fmt.Sprint(v)))
				}
				return nil
			},
		},
		Rule{
			// cdk-nag src/rules/apigw/APIGWXrayEnabled.ts
			ID: "Serverless-APIGWXrayEnabled", Level: Warning, Types: []string{typeRestAPIStage},
			What: "The API Gateway does not have Tracing enabled.",
			Why:  "Amazon API Gateway provides active tracing support for AWS X-Ray. Enable active tracing on your API stages to sample incoming requests and send traces to X-Ray.",
			Fix:  "Set the stage's xrayTracingEnabled to true. kumo's Api does.",
			Check: func(r *synth.Resource, _ *synth.Stack) []Hit {
				v, ok := r.Value("xrayTracingEnabled")
				switch {
				case !ok:
					return hit("xrayTracingEnabled of %s is not set (default false)", restAPIStageName(r))
				case synth.Unknown(v):
					return hit("xrayTracingEnabled of %s is not known until deploy, so it cannot be checked", restAPIStageName(r))
				case v != true:
					return hit("xrayTracingEnabled of %s is %v; want true", restAPIStageName(r), v)
				}
				return nil
			},
		},
	)
}

// restAPIStageOfArn returns the API and stage a stage ARN
// (arn:aws:apigateway:<region>::/restapis/<id>/stages/<name>) names, as
// one key.
func restAPIStageOfArn(arn string) (string, bool) {
	_, rest, ok := strings.Cut(arn, "/restapis/")
	if !ok {
		return "", false
	}
	api, stage, ok := strings.Cut(rest, "/stages/")
	if !ok || api == "" || stage == "" || strings.Contains(stage, "/") {
		return "", false
	}
	return api + "\x00" + stage, true
}

// restAPICORSPreflight reports whether method m answers CORS preflights
// only, as cdk-nag's checkCORSMethodResponses decides: it has responses,
// and every one is a 204 declaring an Access-Control-Allow-* header.
func restAPICORSPreflight(m *synth.Resource, g *synth.Stack) bool {
	key := func(r *synth.Resource) (string, bool) {
		api, ok1 := r.String("restApi")
		res, ok2 := r.String("resourceId")
		method, ok3 := r.String("httpMethod")
		return api + "\x00" + res + "\x00" + method, ok1 && ok2 && ok3
	}
	k, ok := key(m)
	if !ok {
		return false
	}
	responses := g.Index("restapi: method responses by api, resource and method", typeRestAPIMethodResponse, key)[k]
	if len(responses) == 0 {
		return false
	}
	for _, resp := range responses {
		if code, _ := resp.String("statusCode"); code != "204" {
			return false
		}
		params, _ := resp.Value("responseParameters")
		pm, _ := params.(map[string]any)
		cors := false
		for h, v := range pm {
			if strings.HasPrefix(h, "method.response.header.Access-Control-Allow-") && v == true {
				cors = true
				break
			}
		}
		if !cors {
			return false
		}
	}
	return true
}

// restAPIThrottleUnset lists the throttling settings of method settings m
// left at the default: unset, or -1 (off). Unknown values count as set.
func restAPIThrottleUnset(m *synth.Resource) []string {
	var out []string
	for _, p := range []string{"settings.throttlingBurstLimit", "settings.throttlingRateLimit"} {
		if !set(m, p) {
			out = append(out, p+" is not set")
		} else if n, ok := number(m, p); ok && n == -1 {
			out = append(out, p+" is -1 (throttling off)")
		}
	}
	return out
}

// restAPIShort quotes s for a message, cut to a readable length.
func restAPIShort(s string) string {
	const limit = 80
	if r := []rune(s); len(r) > limit {
		s = string(r[:limit]) + "…"
	}
	return fmt.Sprintf("%q", s)
}
