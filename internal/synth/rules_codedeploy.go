package synth

import "fmt"

// Sources of the CodeDeploy rules.
const (
	srcCDCreateApplication = "https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_CreateApplication.html"
	srcCDCreateGroup       = "https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_CreateDeploymentGroup.html"
	srcCDCreateConfig      = "https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_CreateDeploymentConfig.html"
	srcCDDeploymentStyle   = "https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_DeploymentStyle.html"
	srcCDAutoRollback      = "https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_AutoRollbackConfiguration.html"
	srcCDAlarmConfig       = "https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_AlarmConfiguration.html"
	srcCDTrafficRouting    = "https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_TrafficRoutingConfig.html"
	srcCDMinHealthyHosts   = "https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_MinimumHealthyHosts.html"
	// pulumi-aws autonames deploymentConfigName with FromName(Separator
	// "_", Maxlen 100, Randlen 7) (provider/resources.go
	// aws_codedeploy_deployment_config).
	srcProviderDeploymentConfigName = "pulumi-aws provider/resources.go aws_codedeploy_deployment_config deployment_config_name FromName(\"_\", 100, 7)"
)

// codedeployName is the API's constraint on application, deployment group
// and deployment configuration names: 1–100 characters.
func codedeployName(what, source string) StringRule {
	return StringRule{Min: 1, Max: 100, Desc: fmt.Sprintf("a %s name is 1–100 characters", what), Source: source}
}

var codedeployComputePlatforms = []string{"Server", "Lambda", "ECS", "Kubernetes"}

var codedeploySpecs = map[string]Spec{
	"aws:codedeploy/application:Application": {
		// The provider's default autonaming allows 255 characters; the API 100.
		Names: []Name{{Prop: "name", Auto: &Autoname{Max: 255, Sep: "-", Source: srcProviderAutonaming},
			Rule: codedeployName("CodeDeploy application", srcCDCreateApplication)}},
		Checks: []Check{oneOf(srcCDCreateApplication, "computePlatform", codedeployComputePlatforms...)},
	},

	"aws:codedeploy/deploymentGroup:DeploymentGroup": {
		Names: []Name{{Prop: "deploymentGroupName", Required: true, Rule: codedeployName("deployment group", srcCDCreateGroup)}},
		Checks: []Check{
			required(srcCDCreateGroup, "appName", "serviceRoleArn"),
			matches("deploymentConfigName", codedeployName("deployment configuration", srcCDCreateGroup)),
			oneOf(srcCDDeploymentStyle, "deploymentStyle.deploymentType", "IN_PLACE", "BLUE_GREEN"),
			oneOf(srcCDDeploymentStyle, "deploymentStyle.deploymentOption", "WITH_TRAFFIC_CONTROL", "WITHOUT_TRAFFIC_CONTROL"),
			oneOf(srcCDAutoRollback, "autoRollbackConfiguration.events[]", "DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM", "DEPLOYMENT_STOP_ON_REQUEST"),
			{Rule: "a deployment group has at most 10 alarms", Source: srcCDAlarmConfig,
				Find: func(r *Resource, _ *Stack) []Finding {
					if a := values(r, "alarmConfiguration.alarms[]"); len(a) > 10 {
						return []Finding{{Property: "alarmConfiguration.alarms", Value: fmt.Sprintf("%d alarms", len(a))}}
					}
					return nil
				}},
			// ApplicationDoesNotExistException / DeploymentConfigDoesNotExistException.
			{Rule: "the application and a custom deployment configuration the group names must exist first: order the group after the resources that create them",
				Source: srcCDCreateGroup + " (ApplicationDoesNotExistException, DeploymentConfigDoesNotExistException)",
				Find: func(r *Resource, s *Stack) []Finding {
					var fs []Finding
					if app, ok := r.String("appName"); ok {
						fs = append(fs, afterAny(r, s, namedIn(s, "aws:codedeploy/application:Application", "name", app), "appName", app)...)
					}
					if cfg, ok := r.String("deploymentConfigName"); ok {
						fs = append(fs, afterAny(r, s, namedIn(s, "aws:codedeploy/deploymentConfig:DeploymentConfig", "deploymentConfigName", cfg), "deploymentConfigName", cfg)...)
					}
					return fs
				}},
		},
	},

	"aws:codedeploy/deploymentConfig:DeploymentConfig": {
		Names: []Name{{Prop: "deploymentConfigName",
			Auto: &Autoname{Max: 100, Sep: "_", Source: srcProviderDeploymentConfigName},
			Rule: codedeployName("deployment configuration", srcCDCreateConfig)}},
		Checks: []Check{
			oneOf(srcCDCreateConfig, "computePlatform", codedeployComputePlatforms...),
			oneOf(srcCDTrafficRouting, "trafficRoutingConfig.type", "TimeBasedCanary", "TimeBasedLinear", "AllAtOnce"),
			oneOf(srcCDMinHealthyHosts, "minimumHealthyHosts.type", "HOST_COUNT", "FLEET_PERCENT"),
		},
	},
}

// namedIn returns the resources of type typ whose physical name prop is name.
func namedIn(s *Stack, typ, prop, name string) []*Resource {
	return s.named(typ, prop, name)
}
