package synth

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
)

// Sources of the API Gateway (REST API, v1) rules.
const (
	srcAPIGCreateRestAPI     = "https://docs.aws.amazon.com/apigateway/latest/api/API_CreateRestApi.html"
	srcAPIGEndpointConfig    = "https://docs.aws.amazon.com/apigateway/latest/api/API_EndpointConfiguration.html"
	srcAPIGCreateModel       = "https://docs.aws.amazon.com/apigateway/latest/api/API_CreateModel.html"
	srcAPIGCreateStage       = "https://docs.aws.amazon.com/apigateway/latest/api/API_CreateStage.html"
	srcAPIGStage             = "https://docs.aws.amazon.com/apigateway/latest/api/API_Stage.html"
	srcAPIGUpdateStage       = "https://docs.aws.amazon.com/apigateway/latest/api/API_UpdateStage.html"
	srcAPIGCreateAuthorizer  = "https://docs.aws.amazon.com/apigateway/latest/api/API_CreateAuthorizer.html"
	srcAPIGPutMethod         = "https://docs.aws.amazon.com/apigateway/latest/api/API_PutMethod.html"
	srcAPIGPutMethodResponse = "https://docs.aws.amazon.com/apigateway/latest/api/API_PutMethodResponse.html"
	srcAPIGPutIntegration    = "https://docs.aws.amazon.com/apigateway/latest/api/API_PutIntegration.html"
	srcAPIGPutIntegrationRes = "https://docs.aws.amazon.com/apigateway/latest/api/API_PutIntegrationResponse.html"
	srcAPIGGatewayResponse   = "https://docs.aws.amazon.com/apigateway/latest/api/API_GatewayResponse.html"
	srcAPIGMethodSetting     = "https://docs.aws.amazon.com/apigateway/latest/api/API_MethodSetting.html"
	srcAPIGCaching           = "https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-caching.html"
	srcAPIGCreateResource    = "https://docs.aws.amazon.com/apigateway/latest/api/API_CreateResource.html"
	srcAPIGCreateValidator   = "https://docs.aws.amazon.com/apigateway/latest/api/API_CreateRequestValidator.html"
	srcAPIGQuotaSettings     = "https://docs.aws.amazon.com/apigateway/latest/api/API_QuotaSettings.html"
	srcAPIGCreateUsagePlan   = "https://docs.aws.amazon.com/apigateway/latest/api/API_CreateUsagePlan.html"
	srcAPIGCreateUsagePlanK  = "https://docs.aws.amazon.com/apigateway/latest/api/API_CreateUsagePlanKey.html"
	// CloudFormation's Deployment page: "the deployment must depend on the
	// RestApi's methods … If you don't, … CloudFormation encounters the
	// following error: The REST API doesn't contain any methods."
	srcAPIGDeploymentMethods = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-apigateway-deployment.html; CreateDeployment BadRequestException \"The REST API doesn't contain any methods\""
	// CreateDeployment refuses a method that has no integration yet:
	// "No integration defined for method" (serverless/serverless#11748,
	// getmoto/moto#9466 reproduce it against the API).
	srcAPIGDeploymentIntegrations = "CreateDeployment NotFoundException \"No integration defined for method\": github.com/serverless/serverless/issues/11748, github.com/getmoto/moto/issues/9466"
	// PutIntegration and PutMethodResponse on a method not yet created:
	// "NotFoundException: Invalid Method identifier specified"
	// (hashicorp/terraform-provider-aws#815).
	srcAPIGMethodFirst = "NotFoundException \"Invalid Method identifier specified\": github.com/hashicorp/terraform-provider-aws/issues/815"
	// PutIntegrationResponse before the integration: "NotFoundException: No
	// integration defined for method" (hashicorp/terraform#8049, #7486).
	srcAPIGIntegrationFirst = "PutIntegrationResponse NotFoundException \"No integration defined for method\": github.com/hashicorp/terraform/pull/8049, github.com/hashicorp/terraform/issues/7486"
	// PutIntegrationResponse validates its mappings against the method
	// response: "Invalid mapping expression specified: … [No method response
	// exists for method.]" (go-to-k/cdkd#373) and "Invalid mapping expression
	// parameter specified: method.response.header.X" for an undeclared header
	// (awslabs/aws-solutions-constructs#1130).
	srcAPIGMethodResponseFirst = "PutIntegrationResponse BadRequestException \"Invalid mapping expression specified\": github.com/go-to-k/cdkd/pull/373, github.com/awslabs/aws-solutions-constructs/issues/1130"
	// CreateUsagePlan with apiStages needs the stage: "Invalid API Stage
	// {api: …, stage: …} specified for usageplan" (aws/aws-cdk#6169; the SAM
	// maintainers' fix is DependsOn the stage, aws/serverless-application-model#32).
	srcAPIGUsagePlanStage = "CreateUsagePlan BadRequestException \"Invalid API Stage … specified for usageplan\": github.com/aws/aws-cdk/issues/6169, github.com/aws/serverless-application-model/issues/32"
	// CloudFormation's Integration page: "IntegrationHttpMethod … if you
	// specify MOCK, this property is optional. For Lambda integrations, you
	// must set the integration method to POST. For all other types, you must
	// specify this property." Without it PutIntegration answers
	// "Enumeration value for HttpMethod must be non-empty"
	// (hashicorp/terraform#10501).
	srcAPIGIntegrationHTTPMethod = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-apigateway-method-integration.html; github.com/hashicorp/terraform/issues/10501"
	// terraform-provider-aws website/docs/r/api_gateway_integration: uri is
	// "Required if type is AWS, AWS_PROXY, HTTP or HTTP_PROXY".
	srcTFAPIGIntegrationURI = "terraform-provider-aws website/docs/r/api_gateway_integration.html.markdown (uri: Required if type is AWS, AWS_PROXY, HTTP or HTTP_PROXY); " + srcAPIGPutIntegration
	// terraform-provider-aws internal/service/apigateway: validHTTPMethod
	// (validate.go), integration.go enums, api_key.go value
	// StringLenBetween(20, 128), validUsagePlanQuotaSettings (validate.go).
	srcTFAPIGValidate    = "terraform-provider-aws internal/service/apigateway/validate.go validHTTPMethod"
	srcTFAPIGIntegration = "terraform-provider-aws internal/service/apigateway/integration.go; " + srcAPIGPutIntegration
	srcTFAPIGAPIKey      = "terraform-provider-aws internal/service/apigateway/api_key.go value StringLenBetween(20, 128)"
	srcTFAPIGQuota       = "terraform-provider-aws internal/service/apigateway/validate.go validUsagePlanQuotaSettings; " + srcAPIGQuotaSettings
	srcTFAPIGAuthorizer  = "terraform-provider-aws internal/service/apigateway/authorizer.go validateAuthorizerType; " + srcAPIGCreateAuthorizer
)

// apigHTTPMethods are the method types the provider accepts.
var apigHTTPMethods = []string{"ANY", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"}

// apigStageName is CreateStage's stageName: "Stage names can only contain
// alphanumeric characters, hyphens, and underscores. Maximum length is 128
// characters."
var apigStageName = StringRule{Pattern: regexp.MustCompile(`^[A-Za-z0-9_-]+$`), Min: 1, Max: 128,
	Desc: "a stage name is 1–128 letters, digits, '-' or '_'", Source: srcAPIGCreateStage}

// Stage variables (CreateStage): "Variable names can have alphanumeric and
// underscore characters, and the values must match [A-Za-z0-9-._~:/?#&=,]+."
var (
	apigStageVarName  = regexp.MustCompile(`^[A-Za-z0-9_]+$`)
	apigStageVarValue = regexp.MustCompile(`^[A-Za-z0-9\-._~:/?#&=,]+$`)
)

// noNameRule is for names whose API states no pattern or length: only the
// provider's autonaming limit applies.
var noNameRule = StringRule{Desc: "any name", Source: srcProviderAutonaming}

// apigAutoname is pulumi-aws v6's default autonaming of a top-level name.
var apigAutoname = &Autoname{Max: 255, Sep: "-", Source: srcProviderAutonaming}

var apigatewaySpecs = map[string]Spec{
	// UpdateAccount has no required input; the CloudWatch role's use by
	// stages is checked with the Stage.
	"aws:apigateway/account:Account": {},

	"aws:apigateway/restApi:RestApi": {
		Names: []Name{{Prop: "name", Auto: apigAutoname,
			Rule: StringRule{Min: 1, Desc: "a REST API needs a name", Source: srcAPIGCreateRestAPI}}},
		Checks: []Check{
			// endpointConfiguration.types is one string in pulumi-aws v6
			// (MaxItems 1) and a list in the API; both are checked.
			oneOfStrings(srcAPIGEndpointConfig, "endpointConfiguration.types", "EDGE", "REGIONAL", "PRIVATE"),
			oneOf(srcAPIGCreateRestAPI, "apiKeySource", "HEADER", "AUTHORIZER"),
		},
	},

	"aws:apigateway/resource:Resource": {
		Checks: []Check{required(srcAPIGCreateResource, "restApi", "parentId", "pathPart")},
	},

	"aws:apigateway/model:Model": {
		// The provider autonames the model "<name>-<random>", which the API
		// refuses: "The name of the model. Must be alphanumeric."
		Names: []Name{{Prop: "name", Auto: apigAutoname,
			Rule: StringRule{Pattern: regexp.MustCompile(`^[A-Za-z0-9]+$`), Min: 1,
				Desc: "a model name must be alphanumeric (set name: the provider's autoname adds '-')", Source: srcAPIGCreateModel}}},
		Checks: []Check{
			required(srcAPIGCreateModel, "restApi", "contentType"),
			{Rule: "the schema must be JSON (JSON Schema draft 4 for application/json)",
				Source: srcAPIGCreateModel + "; terraform-provider-aws internal/service/apigateway/model.go schema validation.StringIsJSON",
				Find: func(r *Resource, _ *Stack) []Finding {
					if s, ok := r.String("schema"); ok && !json.Valid([]byte(s)) {
						return []Finding{{Property: "schema", Value: s}}
					}
					return nil
				}},
		},
	},

	"aws:apigateway/requestValidator:RequestValidator": {
		Names:  []Name{{Prop: "name", Auto: apigAutoname, Rule: noNameRule}},
		Checks: []Check{required(srcAPIGCreateValidator, "restApi")},
	},

	"aws:apigateway/authorizer:Authorizer": {
		Names: []Name{{Prop: "name", Auto: apigAutoname,
			Rule: StringRule{Min: 1, Desc: "an authorizer needs a name", Source: srcAPIGCreateAuthorizer}}},
		Checks: []Check{
			required(srcAPIGCreateAuthorizer, "restApi"),
			oneOf(srcAPIGCreateAuthorizer, "type", "TOKEN", "REQUEST", "COGNITO_USER_POOLS"),
			// "The maximum value is 3600, or 1 hour"; the provider checks
			// IntBetween(0, 3600) too.
			intRange(srcAPIGCreateAuthorizer+"; terraform-provider-aws internal/service/apigateway/authorizer.go IntBetween(0, 3600)",
				"authorizerResultTtlInSeconds", 0, 3600),
			{Rule: "a COGNITO_USER_POOLS authorizer needs providerArns; a TOKEN or REQUEST authorizer (TOKEN is the default) needs authorizerUri",
				Source: srcTFAPIGAuthorizer,
				Find: func(r *Resource, _ *Stack) []Finding {
					typ, ok := r.String("type")
					if _, set := r.Value("type"); set && !ok {
						return nil // unknown until deploy
					}
					if !ok {
						typ = "TOKEN"
					}
					switch typ {
					case "COGNITO_USER_POOLS":
						if !nonEmpty(r, "providerArns") {
							return []Finding{{Property: "providerArns"}}
						}
					case "TOKEN", "REQUEST":
						if !nonEmpty(r, "authorizerUri") {
							return []Finding{{Property: "authorizerUri"}}
						}
					}
					return nil
				}},
		},
	},

	"aws:apigateway/method:Method": {
		Checks: []Check{
			required(srcAPIGPutMethod, "restApi", "resourceId", "httpMethod", "authorization"),
			oneOf(srcTFAPIGValidate, "httpMethod", apigHTTPMethods...),
			oneOf(srcAPIGPutMethod, "authorization", "NONE", "AWS_IAM", "CUSTOM", "COGNITO_USER_POOLS"),
			{Rule: "authorizerId is required when authorization is CUSTOM or COGNITO_USER_POOLS", Source: srcAPIGPutMethod,
				Find: func(r *Resource, _ *Stack) []Finding {
					if a, _ := r.String("authorization"); (a == "CUSTOM" || a == "COGNITO_USER_POOLS") && !nonEmpty(r, "authorizerId") {
						return []Finding{{Property: "authorizerId"}}
					}
					return nil
				}},
		},
	},

	"aws:apigateway/methodResponse:MethodResponse": {
		Checks: []Check{
			required(srcAPIGPutMethodResponse, "restApi", "resourceId", "httpMethod", "statusCode"),
			orderedAfterMethodPart("aws:apigateway/method:Method", "method", srcAPIGMethodFirst),
		},
	},

	"aws:apigateway/integration:Integration": {
		Checks: []Check{
			required(srcAPIGPutIntegration, "restApi", "resourceId", "httpMethod", "type"),
			oneOf(srcTFAPIGIntegration, "type", "HTTP", "AWS", "MOCK", "HTTP_PROXY", "AWS_PROXY"),
			oneOf(srcTFAPIGValidate, "httpMethod", apigHTTPMethods...),
			oneOf(srcTFAPIGValidate, "integrationHttpMethod", apigHTTPMethods...),
			oneOf(srcTFAPIGIntegration, "connectionType", "INTERNET", "VPC_LINK"),
			oneOf(srcTFAPIGIntegration, "passthroughBehavior", "WHEN_NO_MATCH", "WHEN_NO_TEMPLATES", "NEVER"),
			oneOf(srcTFAPIGIntegration, "contentHandling", "CONVERT_TO_BINARY", "CONVERT_TO_TEXT"),
			{Rule: "integrationHttpMethod is required unless type is MOCK (PutIntegration: \"Enumeration value for HttpMethod must be non-empty\")",
				Source: srcAPIGIntegrationHTTPMethod,
				Find: func(r *Resource, _ *Stack) []Finding {
					if nonMockIntegration(r) && !nonEmpty(r, "integrationHttpMethod") {
						return []Finding{{Property: "integrationHttpMethod"}}
					}
					return nil
				}},
			{Rule: "a Lambda integration must use integrationHttpMethod POST", Source: srcAPIGIntegrationHTTPMethod,
				Find: func(r *Resource, _ *Stack) []Finding {
					uri, _ := r.String("uri")
					m, ok := r.String("integrationHttpMethod")
					if ok && strings.Contains(uri, ":lambda:path/") && m != "POST" {
						return []Finding{{Property: "integrationHttpMethod", Value: m}}
					}
					return nil
				}},
			{Rule: "uri is required unless type is MOCK", Source: srcTFAPIGIntegrationURI,
				Find: func(r *Resource, _ *Stack) []Finding {
					if nonMockIntegration(r) && !nonEmpty(r, "uri") {
						return []Finding{{Property: "uri"}}
					}
					return nil
				}},
			orderedAfterMethodPart("aws:apigateway/method:Method", "method", srcAPIGMethodFirst),
		},
	},

	"aws:apigateway/integrationResponse:IntegrationResponse": {
		Checks: []Check{
			required(srcAPIGPutIntegrationRes, "restApi", "resourceId", "httpMethod", "statusCode"),
			oneOf(srcAPIGPutIntegrationRes, "contentHandling", "CONVERT_TO_BINARY", "CONVERT_TO_TEXT"),
			orderedAfterMethodPart("aws:apigateway/integration:Integration", "integration", srcAPIGIntegrationFirst),
			integrationResponseAfterMethodResponse(),
		},
	},

	"aws:apigateway/response:Response": {
		Checks: []Check{
			required(srcAPIGGatewayResponse, "restApiId", "responseType"),
			oneOf(srcAPIGGatewayResponse, "responseType",
				"DEFAULT_4XX", "DEFAULT_5XX", "RESOURCE_NOT_FOUND", "UNAUTHORIZED", "INVALID_API_KEY", "ACCESS_DENIED",
				"AUTHORIZER_FAILURE", "AUTHORIZER_CONFIGURATION_ERROR", "INVALID_SIGNATURE", "EXPIRED_TOKEN",
				"MISSING_AUTHENTICATION_TOKEN", "INTEGRATION_FAILURE", "INTEGRATION_TIMEOUT", "API_CONFIGURATION_ERROR",
				"UNSUPPORTED_MEDIA_TYPE", "BAD_REQUEST_PARAMETERS", "BAD_REQUEST_BODY", "REQUEST_TOO_LARGE", "THROTTLED",
				"QUOTA_EXCEEDED", "WAF_FILTERED"),
			matches("statusCode", StringRule{Pattern: regexp.MustCompile(`^[1-5]\d\d$`),
				Desc: "a gateway response status code matches [1-5]\\d\\d", Source: srcAPIGGatewayResponse}),
		},
	},

	"aws:apigateway/deployment:Deployment": {
		Checks: []Check{
			required(srcAPIGDeploymentMethods, "restApi"),
			matches("stageName", apigStageName),
			deploymentAfterAMethod(),
			deploymentAfterIntegrations(),
		},
	},

	"aws:apigateway/stage:Stage": {
		// The Account's CloudWatch role needed by accessLogSettings is a
		// cross-resource rule of the lead's (rules on ordering).
		Names: []Name{{Prop: "stageName", Required: true, Rule: apigStageName}},
		Checks: []Check{
			required(srcAPIGCreateStage, "restApi", "deployment"),
			oneOf(srcAPIGStage, "cacheClusterSize", "0.5", "1.6", "6.1", "13.5", "28.4", "58.2", "118", "237"),
			{Rule: "stage variable names are letters, digits and '_'; values match [A-Za-z0-9-._~:/?#&=,]+", Source: srcAPIGCreateStage,
				Find: func(r *Resource, _ *Stack) []Finding {
					vars, _ := r.Value("variables")
					m, _ := vars.(map[string]any)
					var fs []Finding
					for _, k := range slices.Sorted(maps.Keys(m)) {
						v, _ := m[k].(string)
						if !apigStageVarName.MatchString(k) || (!isPlaceholder(v) && !apigStageVarValue.MatchString(v)) {
							fs = append(fs, Finding{Property: "variables." + k, Value: m[k]})
						}
					}
					return fs
				}},
		},
	},

	"aws:apigateway/methodSettings:MethodSettings": {
		Checks: []Check{
			required(srcAPIGUpdateStage, "restApi", "stageName", "methodPath", "settings"),
			oneOf(srcAPIGMethodSetting, "settings.loggingLevel", "OFF", "ERROR", "INFO"),
			// "The maximum TTL value is 3600 seconds. TTL=0 means caching is disabled."
			intRange(srcAPIGCaching, "settings.cacheTtlInSeconds", 0, 3600),
			// Method settings are an UpdateStage of an existing stage.
			{Rule: "method settings update a stage, which must exist first (UpdateStage NotFoundException): order them after the Stage",
				Source: srcAPIGUpdateStage,
				Find: func(r *Resource, s *Stack) []Finding {
					api, ok1 := r.String("restApi")
					stage, ok2 := r.String("stageName")
					if !ok1 || !ok2 {
						return nil
					}
					return afterAny(r, s, stagesOf(s, api, stage), "stageName", stage)
				}},
		},
	},

	"aws:apigateway/apiKey:ApiKey": {
		Names: []Name{{Prop: "name", Auto: apigAutoname, Rule: noNameRule}},
		Checks: []Check{
			matches("value", StringRule{Min: 20, Max: 128, Desc: "an API key value is 20–128 characters", Source: srcTFAPIGAPIKey}),
		},
	},

	"aws:apigateway/usagePlan:UsagePlan": {
		Names: []Name{{Prop: "name", Auto: apigAutoname,
			Rule: StringRule{Min: 1, Desc: "a usage plan needs a name", Source: srcAPIGCreateUsagePlan}}},
		Checks: []Check{
			oneOf(srcAPIGQuotaSettings, "quotaSettings.period", "DAY", "WEEK", "MONTH"),
			{Rule: "the quota offset is 0 for DAY, 0–6 for WEEK and 0–27 for MONTH", Source: srcTFAPIGQuota,
				Find: func(r *Resource, _ *Stack) []Finding {
					period, _ := r.String("quotaSettings.period")
					v, ok := r.Value("quotaSettings.offset")
					off, isInt := asInt(v)
					if !ok || !isInt {
						return nil
					}
					max := map[string]int64{"DAY": 0, "WEEK": 6, "MONTH": 27}
					if hi, known := max[period]; known && (off < 0 || off > hi) {
						return []Finding{{Property: "quotaSettings.offset", Value: v}}
					}
					return nil
				}},
			{Rule: "each apiStages entry's stage must exist first: order the usage plan after the Stage", Source: srcAPIGUsagePlanStage,
				Find: func(r *Resource, s *Stack) []Finding {
					var fs []Finding
					for _, st := range values(r, "apiStages[]") {
						m, _ := st.(map[string]any)
						api, _ := m["apiId"].(string)
						stage, _ := m["stage"].(string)
						if isPlaceholder(api) || isPlaceholder(stage) || api == "" || stage == "" {
							continue
						}
						fs = append(fs, afterAny(r, s, stagesOf(s, api, stage), "apiStages", api+":"+stage)...)
					}
					return fs
				}},
		},
	},

	"aws:apigateway/usagePlanKey:UsagePlanKey": {
		Checks: []Check{required(srcAPIGCreateUsagePlanK, "keyId", "keyType", "usagePlanId")},
	},

	tAPIGDomainName: {
		Checks: []Check{
			required(srcAPIGCreateDomainName, "domainName"),
			{Rule: "domainName is a domain name of 1–253 characters: labels of 1–63 letters, digits or '-', at least two, an optional leading '*.'", Source: srcAPIGCreateDomainName,
				Find: func(r *Resource, _ *Stack) []Finding {
					if d, ok := r.String("domainName"); ok {
						if why := acmDomainProblem(d); why != "" {
							return []Finding{{Property: "domainName", Value: d + " (" + why + ")"}}
						}
					}
					return nil
				}},
			oneOf(srcAPIGEndpointConfig, "endpointConfiguration.types", "EDGE", "REGIONAL", "PRIVATE"),
			oneOf(srcAPIGCreateDomainName, "securityPolicy", "TLS_1_0", "TLS_1_2"),
			{Rule: "a REGIONAL domain takes regionalCertificateArn (or an uploaded regionalCertificateName), not the edge certificateArn; an EDGE domain the other way round",
				Source: srcAPIGCreateDomainName + "; " + srcTFAPIGDomainName,
				Find: func(r *Resource, _ *Stack) []Finding {
					t, _ := r.String("endpointConfiguration.types")
					regional := nonEmpty(r, "regionalCertificateArn") || nonEmpty(r, "regionalCertificateName")
					edge := nonEmpty(r, "certificateArn") || nonEmpty(r, "certificateName")
					switch {
					case t == "REGIONAL" && !regional:
						return []Finding{{Property: "regionalCertificateArn", Value: "(not set, endpoint type REGIONAL)"}}
					case t == "REGIONAL" && edge:
						v, _ := r.Value("certificateArn")
						return []Finding{{Property: "certificateArn", Value: fmt.Sprintf("%v (an edge certificate on a REGIONAL domain)", v)}}
					case (t == "" || t == "EDGE") && regional:
						v, _ := r.Value("regionalCertificateArn")
						return []Finding{{Property: "regionalCertificateArn", Value: fmt.Sprintf("%v (a regional certificate on an EDGE domain)", v)}}
					}
					return nil
				}},
			{Rule: "a regional domain's ACM certificate is in the domain's region; an edge domain's in us-east-1",
				Source: srcAPIGRegionalDomain + "; " + srcAPIGEdgeDomain,
				Find: func(r *Resource, _ *Stack) []Finding {
					if arn, ok := r.String("regionalCertificateArn"); ok {
						if cr := acmArnRegion(arn); cr != "" && r.region != "" && cr != r.region {
							return []Finding{{Property: "regionalCertificateArn", Value: fmt.Sprintf("%s (certificate in %s, domain in %s)", arn, cr, r.region)}}
						}
					}
					if arn, ok := r.String("certificateArn"); ok {
						if cr := acmArnRegion(arn); cr != "" && cr != "us-east-1" {
							return []Finding{{Property: "certificateArn", Value: fmt.Sprintf("%s (certificate in %s)", arn, cr)}}
						}
					}
					return nil
				}},
			{Rule: "the domain waits for its certificate's validation: depend on the aws:acm/certificateValidation of a certificate the stack requests (or take its certificateArn output), or CreateDomainName meets a certificate still PENDING_VALIDATION",
				Source: srcPulumiDomainNameValidation,
				Find: func(r *Resource, s *Stack) []Finding {
					var fs []Finding
					for _, p := range []string{"regionalCertificateArn", "certificateArn"} {
						arn, ok := r.String(p)
						if !ok {
							continue
						}
						for _, v := range s.index("certificateArn", tACMCertificateValidation, func(x *Resource) (string, bool) { return x.String("certificateArn") })[arn] {
							if !s.DependsOn(r, v) {
								fs = append(fs, Finding{Property: p, Value: arn + " (validated by " + v.URN + ", which the domain does not depend on)"})
							}
						}
						for _, c := range s.index("arn", tACMCertificate, func(x *Resource) (string, bool) { a, ok := x.State["arn"].(string); return a, ok })[arn] {
							if m, _ := c.String("validationMethod"); m == "DNS" || m == "EMAIL" {
								if len(s.index("certificateArn", tACMCertificateValidation, func(x *Resource) (string, bool) { return x.String("certificateArn") })[arn]) == 0 {
									fs = append(fs, Finding{Property: p, Value: arn + " (requested by " + c.URN + ", which nothing validates)"})
								}
							}
						}
					}
					return fs
				}},
		},
	},

	tAPIGBasePathMapping: {
		Checks: []Check{
			required(srcAPIGCreateBasePathMapping, "domainName", "restApi"),
			{Rule: "basePath is empty (the domain's root) or one path segment of letters, digits and $-_.+!*'() (multi-level paths like a/b need API Gateway v2's CreateApiMapping)",
				Source: srcAPIGCreateBasePathMapping,
				Find: func(r *Resource, _ *Stack) []Finding {
					if bp, ok := r.String("basePath"); ok && bp != "" && !apigBasePath.MatchString(bp) {
						return []Finding{{Property: "basePath", Value: bp}}
					}
					return nil
				}},
			{Rule: "the mapping names a stage that exists: depend on the aws:apigateway/stage (CreateBasePathMapping: Invalid stage identifier specified)",
				Source: srcAPIGCreateBasePathMapping,
				Find: func(r *Resource, s *Stack) []Finding {
					api, ok1 := r.String("restApi")
					stage, ok2 := r.String("stageName")
					if !ok1 || !ok2 {
						return nil
					}
					for _, st := range stagesOf(s, api, stage) {
						if !s.DependsOn(r, st) {
							return []Finding{{Property: "stageName", Value: stage + " (registered by " + st.URN + ", which the mapping does not depend on)"}}
						}
					}
					return nil
				}},
			{Rule: "a domain maps each base path once (custom domains are regional: the same name in two regions is two domains)", Source: srcAPIGCreateBasePathMapping + " (ConflictException: Base path already exists for this domain name)",
				Find: func(r *Resource, s *Stack) []Finding {
					d, ok := r.String("domainName")
					if !ok {
						return nil
					}
					bp, _ := r.String("basePath")
					same := s.index("region domain basePath", tAPIGBasePathMapping, func(x *Resource) (string, bool) {
						d, ok := x.String("domainName")
						b, _ := x.String("basePath")
						return x.region + " " + d + " " + b, ok
					})[r.region+" "+d+" "+bp]
					if len(same) > 1 {
						return []Finding{{Property: "basePath", Value: fmt.Sprintf("%q on %s (also %s)", bp, d, other(same, r).URN)}}
					}
					return nil
				}},
		},
	},
}

// Sources of the custom domain rules.
const (
	// CreateDomainName: domainName required; securityPolicy "Valid Values:
	// TLS_1_0 | TLS_1_2"; regionalCertificateArn "The reference to an AWS-
	// managed certificate that will be used for validating the regional
	// domain name".
	srcAPIGCreateDomainName = "https://docs.aws.amazon.com/apigateway/latest/api/API_CreateDomainName.html"
	// "For a Regional custom domain name … the certificate must be in the
	// same Region as your API"; edge-optimized: "you must request or
	// import the certificate in the US East (N. Virginia) – us-east-1".
	srcAPIGRegionalDomain = "https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-regional-api-custom-domain-create.html"
	srcAPIGEdgeDomain     = "https://docs.aws.amazon.com/apigateway/latest/developerguide/how-to-edge-optimized-custom-domain-name.html"
	// terraform-provider-aws internal/service/apigateway/domain_name.go:
	// certificate_arn ConflictsWith regional_certificate_arn and
	// regional_certificate_name, which are for REGIONAL endpoints.
	srcTFAPIGDomainName = "terraform-provider-aws internal/service/apigateway/domain_name.go (certificate_arn ConflictsWith regional_certificate_arn)"
	// pulumi-aws sdk apigateway/domainName.go: "The apigateway.DomainName
	// resource expects dependency on the acm.CertificateValidation".
	srcPulumiDomainNameValidation = "pulumi-aws sdk apigateway/domainName.go (\"expects dependency on the acm.CertificateValidation\"); " + srcAPIGCreateDomainName
	// CreateBasePathMapping: basePath "The base path name that callers of
	// the API must provide as part of the URL after the domain name …
	// Specify '(none)' if you do not want callers to specify a base path";
	// the console and CloudFormation take segments of URL-safe characters
	// ("BadRequestException: Invalid base path" otherwise).
	srcAPIGCreateBasePathMapping = "https://docs.aws.amazon.com/apigateway/latest/api/API_CreateBasePathMapping.html"
)

const (
	tAPIGDomainName      = "aws:apigateway/domainName:DomainName"
	tAPIGBasePathMapping = "aws:apigateway/basePathMapping:BasePathMapping"
)

// apigBasePath is a v1 base path: one segment of the characters API
// Gateway allows in it. "API mappings with multiple levels" exist only
// through the v2 API (CreateApiMapping), per the developer guide's REST
// API custom domain mapping page
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-mappings.html).
var apigBasePath = regexp.MustCompile(`^[A-Za-z0-9$\-_.+!*'()]+$`)

// nonEmpty reports whether a property is set to something other than an
// empty string or list (an unknown value counts as set).
func nonEmpty(r *Resource, prop string) bool {
	v, ok := r.Value(prop)
	if !ok {
		return false
	}
	switch x := v.(type) {
	case string:
		return x != ""
	case []any:
		return len(x) > 0
	}
	return true
}

// oneOfStrings is oneOf for a property that is a string or a list of them.
func oneOfStrings(source, prop string, allowed ...string) Check {
	single, list := oneOf(source, prop, allowed...), oneOf(source, prop+"[]", allowed...)
	return Check{Rule: single.Rule, Source: source,
		Find: func(r *Resource, s *Stack) []Finding {
			fs := single.Find(r, s)
			for _, f := range list.Find(r, s) {
				f.Property = prop
				fs = append(fs, f)
			}
			return fs
		}}
}

func nonMockIntegration(r *Resource) bool {
	t, ok := r.String("type")
	return ok && t != "MOCK"
}

// methodKey identifies a method of a REST API: API, resource and HTTP
// method, all known.
func methodKey(r *Resource) (string, bool) {
	api, ok1 := r.String("restApi")
	res, ok2 := r.String("resourceId")
	m, ok3 := r.String("httpMethod")
	return api + " " + res + " " + m, ok1 && ok2 && ok3
}

// sameMethod returns the resources of type typ that belong to the method key.
func sameMethod(s *Stack, typ, key string) []*Resource {
	return s.index("method", typ, methodKey)[key]
}

// afterAny returns a finding unless r is ordered after one of deps; with no
// deps in the stack (created elsewhere) there is nothing to check.
func afterAny(r *Resource, s *Stack, deps []*Resource, prop string, value any) []Finding {
	if len(deps) == 0 {
		return nil
	}
	for _, d := range deps {
		if s.DependsOn(r, d) {
			return nil
		}
	}
	return []Finding{{Property: prop, Value: value}}
}

// orderedAfterMethodPart: a method's integration, method response or
// integration response needs the part it hangs on (of type typ, for the same
// API, resource and HTTP method) to exist when it is created.
func orderedAfterMethodPart(typ, what, source string) Check {
	return Check{
		Rule:   fmt.Sprintf("the %s of the same REST API, resource and HTTP method must exist first: order this after it (depend on it)", what),
		Source: source,
		Find: func(r *Resource, s *Stack) []Finding {
			key, ok := methodKey(r)
			if !ok {
				return nil
			}
			m, _ := r.String("httpMethod")
			return afterAny(r, s, sameMethod(s, typ, key), "httpMethod", m)
		},
	}
}

// integrationResponseAfterMethodResponse: the method response of the same
// status code must exist before the integration response, and declare every
// method.response.header the integration response maps.
func integrationResponseAfterMethodResponse() Check {
	return Check{
		Rule:   "the method response of the same status code must exist first (order this after it) and declare every method.response.header mapped here",
		Source: srcAPIGMethodResponseFirst,
		Find: func(r *Resource, s *Stack) []Finding {
			key, ok := methodKey(r)
			code, ok2 := r.String("statusCode")
			if !ok || !ok2 {
				return nil
			}
			var mrs []*Resource
			for _, mr := range sameMethod(s, "aws:apigateway/methodResponse:MethodResponse", key) {
				if c, _ := mr.String("statusCode"); c == code {
					mrs = append(mrs, mr)
				}
			}
			if len(mrs) == 0 {
				return nil
			}
			if fs := afterAny(r, s, mrs, "statusCode", code); fs != nil {
				return fs
			}
			params, _ := r.Value("responseParameters")
			m, _ := params.(map[string]any)
			var fs []Finding
			for _, k := range slices.Sorted(maps.Keys(m)) {
				if !strings.HasPrefix(k, "method.response.header.") {
					continue
				}
				declared := false
				for _, mr := range mrs {
					// The keys hold dots, so they are looked up in the map.
					mp, _ := mr.Value("responseParameters")
					if d, _ := mp.(map[string]any); d != nil && d[k] != nil {
						declared = true
					}
				}
				if !declared {
					fs = append(fs, Finding{Property: "responseParameters", Value: k})
				}
			}
			return fs
		},
	}
}

// methodsOf returns the Methods of the stack that belong to REST API api.
func methodsOf(s *Stack, api string) []*Resource {
	return s.index("restApi", "aws:apigateway/method:Method", func(m *Resource) (string, bool) {
		a, _ := m.String("restApi")
		return a, true
	})[api]
}

// deploymentAfterAMethod: CreateDeployment refuses a REST API without
// methods, so a deployment must be ordered after at least one. An API
// defined by an OpenAPI body (on a RestApi the deployment depends on) has its
// methods already.
func deploymentAfterAMethod() Check {
	return Check{
		Rule:   "the deployment must be ordered after at least one Method of its REST API (CreateDeployment: \"The REST API doesn't contain any methods\")",
		Source: srcAPIGDeploymentMethods,
		Find: func(r *Resource, s *Stack) []Finding {
			api, ok := r.String("restApi")
			if !ok {
				return nil
			}
			for _, ra := range s.Resources("aws:apigateway/restApi:RestApi") {
				if _, body := ra.Value("body"); body && s.DependsOn(r, ra) {
					return nil
				}
			}
			for _, m := range methodsOf(s, api) {
				if s.DependsOn(r, m) {
					return nil
				}
			}
			return []Finding{{Property: "restApi", Value: api}}
		},
	}
}

// deploymentAfterIntegrations: CreateDeployment refuses an API with a method
// that has no integration, so every method of the API in the stack must
// have its integration created before the deployment.
func deploymentAfterIntegrations() Check {
	return Check{
		Rule:   "the deployment must be ordered after the Integration of every Method of its REST API (CreateDeployment: \"No integration defined for method\")",
		Source: srcAPIGDeploymentIntegrations,
		Find: func(r *Resource, s *Stack) []Finding {
			api, ok := r.String("restApi")
			if !ok {
				return nil
			}
			var fs []Finding
			for _, m := range methodsOf(s, api) {
				key, ok := methodKey(m)
				if !ok {
					continue
				}
				ordered := false
				for _, in := range sameMethod(s, "aws:apigateway/integration:Integration", key) {
					if s.DependsOn(r, in) {
						ordered = true
					}
				}
				if !ordered {
					verb, _ := m.String("httpMethod")
					res, _ := m.String("resourceId")
					fs = append(fs, Finding{Property: "restApi", Value: fmt.Sprintf("%s on resource %s (%s) has no integration ordered before the deployment", verb, res, m.Name)})
				}
			}
			return fs
		},
	}
}

// stagesOf returns the Stages of the stack named stage of REST API api.
func stagesOf(s *Stack, api, stage string) []*Resource {
	return s.index("restApi stageName", "aws:apigateway/stage:Stage", func(st *Resource) (string, bool) {
		a, _ := st.String("restApi")
		return a + "\x00" + st.Physical("stageName"), true
	})[api+"\x00"+stage]
}
