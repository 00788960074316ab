package synth

import "maps"

// specs are the reality rules of every resource type kumo emits, one file
// per AWS service (rules_<service>.go). A type missing here fails synth.
var specs = withChecks(withChecks(withChecks(mergeSpecs(
	lambdaSpecs, iamSpecs, cloudwatchSpecs, dynamodbSpecs, sqsSpecs,
	apigatewaySpecs, cloudfrontSpecs, cognitoSpecs, codedeploySpecs, s3Specs,
	firehoseSpecs, sfnSpecs,
	opensearchSpecs, logResourcePolicySpecs, glueSpecs, athenaSpecs,
	kmsSpecs, snsSpecs, cloudtrailSpecs,
	eventsSpecs, lambdaEventSourceSpecs, s3NotificationSpecs,
	kinesisSpecs, iotSpecs,
	codebuildSpecs, codepipelineSpecs, codestarSpecs,
	acmSpecs, route53Specs,
	ssmSpecs,
), orderingChecks), uniqueChecks()), sqsEventSourceChecks)

// withChecks adds cross-service checks to the specs of the types they
// constrain.
func withChecks(specs map[string]Spec, extra map[string][]Check) map[string]Spec {
	for t, cs := range extra {
		s := specs[t]
		s.Checks = append(s.Checks, cs...)
		specs[t] = s
	}
	return specs
}

func mergeSpecs(groups ...map[string]Spec) map[string]Spec {
	out := map[string]Spec{}
	for _, g := range groups {
		for t := range g {
			if _, dup := out[t]; dup {
				panic("synth: reality rules for " + t + " defined twice")
			}
		}
		maps.Copy(out, g)
	}
	return out
}
