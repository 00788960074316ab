package synth

import (
	"strings"
	"testing"
)

const (
	tCDApp    = "aws:codedeploy/application:Application"
	tCDGroup  = "aws:codedeploy/deploymentGroup:DeploymentGroup"
	tCDConfig = "aws:codedeploy/deploymentConfig:DeploymentConfig"
)

// releasesStack registers the Releases construct's application, a custom
// configuration and a function's deployment group ordered after both.
func releasesStack(f *fixture, app, cfg, group []mod) {
	a := f.add(tCDApp, "releases", inputs(map[string]any{"name": "kumo-prod", "computePlatform": "Lambda"}, app...))
	c := f.add(tCDConfig, "releases-canary", inputs(map[string]any{"deploymentConfigName": "kumo-prod-Canary5Percent10Minutes",
		"computePlatform": "Lambda", "trafficRoutingConfig": map[string]any{"type": "TimeBasedCanary",
			"timeBasedCanary": map[string]any{"percentage": int64(5), "interval": int64(10)}}}, cfg...))
	f.add(tCDGroup, "web-items", inputs(map[string]any{
		"appName": "kumo-prod", "deploymentGroupName": "web-items", "serviceRoleArn": "arn:aws:iam::123456789012:role/releases",
		"deploymentConfigName": "kumo-prod-Canary5Percent10Minutes",
		"deploymentStyle":      map[string]any{"deploymentType": "BLUE_GREEN", "deploymentOption": "WITH_TRAFFIC_CONTROL"},
		"autoRollbackConfiguration": map[string]any{"enabled": true,
			"events": []any{"DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM", "DEPLOYMENT_STOP_ON_REQUEST"}},
		"alarmConfiguration": map[string]any{"enabled": true, "alarms": []any{"web-items-errors", "web-items-throttles"}},
	}, group...), a, c)
}

func TestCodeDeployRealityRules(t *testing.T) {
	c := func(name string, app, cfg, group []mod, ws ...want) realityCase {
		return realityCase{name: name, build: func(f *fixture) { releasesStack(f, app, cfg, group) }, want: ws}
	}
	var none []mod
	alarms := make([]any, 11)
	for i := range alarms {
		alarms[i] = "alarm-" + string(rune('a'+i))
	}

	cases := []realityCase{
		c("accepted: the Releases construct's resources", none, none, none),

		// Application
		c("application name over 100 characters", []mod{set("name", strings.Repeat("a", 101))}, none, []mod{set("appName", strings.Repeat("a", 101))},
			want{tCDApp, "name", "at most 100", "API_CreateApplication"}),
		{name: "application autonamed past 100 characters", want: []want{{tCDApp, "name", "at most 100", "API_CreateApplication"}},
			build: func(f *fixture) { f.add(tCDApp, strings.Repeat("a", 95), map[string]any{"computePlatform": "Lambda"}) }},
		c("compute platform", []mod{set("computePlatform", "EC2")}, none, none,
			want{tCDApp, "computePlatform", "Server, Lambda, ECS", "API_CreateApplication"}),

		// DeploymentGroup
		c("group without deploymentGroupName", none, none, []mod{set("deploymentGroupName", nil)},
			want{tCDGroup, "deploymentGroupName", "required", "API_CreateDeploymentGroup"}),
		c("group name over 100 characters", none, none, []mod{set("deploymentGroupName", strings.Repeat("g", 101))},
			want{tCDGroup, "deploymentGroupName", "at most 100", "API_CreateDeploymentGroup"}),
		c("group without service role", none, none, []mod{set("serviceRoleArn", nil)},
			want{tCDGroup, "serviceRoleArn", "required", "API_CreateDeploymentGroup"}),
		c("deployment type", none, none, []mod{set("deploymentStyle.deploymentType", "CANARY")},
			want{tCDGroup, "deploymentStyle.deploymentType", "IN_PLACE, BLUE_GREEN", "API_DeploymentStyle"}),
		c("deployment option", none, none, []mod{set("deploymentStyle.deploymentOption", "WITH_TRAFFIC_SHIFTING")},
			want{tCDGroup, "deploymentStyle.deploymentOption", "WITH_TRAFFIC_CONTROL, WITHOUT_TRAFFIC_CONTROL", "API_DeploymentStyle"}),
		c("auto rollback event", none, none, []mod{set("autoRollbackConfiguration.events", []any{"DEPLOYMENT_TIMEOUT"})},
			want{tCDGroup, "autoRollbackConfiguration.events[]", "DEPLOYMENT_FAILURE", "API_AutoRollbackConfiguration"}),
		c("eleven alarms", none, none, []mod{set("alarmConfiguration.alarms", alarms)},
			want{tCDGroup, "alarmConfiguration.alarms", "at most 10 alarms", "API_AlarmConfiguration"}),
		{name: "group not ordered after its application", want: []want{
			{tCDGroup, "appName", "must exist first", "ApplicationDoesNotExistException"}},
			build: func(f *fixture) {
				releasesStack(f, none, none, none)
				f.setDeps(urnOf(tCDGroup, "web-items"), urnOf(tCDConfig, "releases-canary"))
			}},
		{name: "group not ordered after its custom configuration", want: []want{
			{tCDGroup, "deploymentConfigName", "must exist first", "DeploymentConfigDoesNotExistException"}},
			build: func(f *fixture) {
				releasesStack(f, none, none, none)
				f.setDeps(urnOf(tCDGroup, "web-items"), urnOf(tCDApp, "releases"))
			}},
		c("accepted: a built-in configuration needs no resource", none, none, []mod{set("deploymentConfigName", "CodeDeployDefault.LambdaAllAtOnce")}),

		// DeploymentConfig
		c("configuration name over 100 characters", none, []mod{set("deploymentConfigName", strings.Repeat("c", 101))}, []mod{set("deploymentConfigName", strings.Repeat("c", 101))},
			want{tCDConfig, "deploymentConfigName", "at most 100", "API_CreateDeploymentConfig"},
			want{tCDGroup, "deploymentConfigName", "name is 1–100 characters", "API_CreateDeploymentGroup"}),
		{name: "accepted: configuration autonamed with the provider's '_'", build: func(f *fixture) {
			f.add(tCDConfig, "canary", map[string]any{"computePlatform": "Lambda"})
			if got := f.rs[0].Physical("deploymentConfigName"); !strings.HasPrefix(got, "canary_") || len(got) != len("canary_")+7 {
				t.Errorf("autonamed deploymentConfigName = %q; want canary_ and 7 random characters", got)
			}
		}},
		{name: "configuration autonamed past 100 characters", want: []want{{tCDConfig, "deploymentConfigName", "shorten the resource name to at most 92", "aws_codedeploy_deployment_config"}},
			build: func(f *fixture) {
				f.add(tCDConfig, strings.Repeat("c", 93), map[string]any{"computePlatform": "Lambda"})
			}},
		c("traffic routing type", none, []mod{set("trafficRoutingConfig.type", "Canary")}, none,
			want{tCDConfig, "trafficRoutingConfig.type", "TimeBasedCanary, TimeBasedLinear, AllAtOnce", "API_TrafficRoutingConfig"}),
		c("configuration compute platform", none, []mod{set("computePlatform", "Fargate")}, none,
			want{tCDConfig, "computePlatform", "Server, Lambda, ECS", "API_CreateDeploymentConfig"}),
		c("minimum healthy hosts type", none, []mod{set("minimumHealthyHosts", map[string]any{"type": "PERCENT", "value": int64(50)})}, none,
			want{tCDConfig, "minimumHealthyHosts.type", "HOST_COUNT, FLEET_PERCENT", "API_MinimumHealthyHosts"}),
	}
	runRealityCases(t, specTypes(codedeploySpecs), cases)
}
