package synth

import (
	"fmt"
	"regexp"
	"strings"
)

// Sources of the CodeStar connections and notifications rules.
const (
	srcConnCreate = "https://docs.aws.amazon.com/codeconnections/latest/APIReference/API_CreateConnection.html"
	// terraform-provider-aws internal/service/codestarconnections/
	// connection.go: provider_type ConflictsWith host_arn, and one of them
	// is needed (CreateConnection: "ProviderType … or HostArn").
	srcConnProviderOrHost = srcConnCreate + "; pulumi-aws sdk codestarconnections Connection (hostArn \"Conflicts with providerType\")"
	srcNotifyCreate       = "https://docs.aws.amazon.com/codestar-notifications/latest/APIReference/API_CreateNotificationRule.html"
	srcNotifyTarget       = "https://docs.aws.amazon.com/codestar-notifications/latest/APIReference/API_Target.html"
	// Event type IDs are per resource type: codepipeline-pipeline-… for a
	// pipeline, codebuild-project-… for a build project.
	srcNotifyEvents = "https://docs.aws.amazon.com/dtconsole/latest/userguide/concepts.html#concepts-api"
)

const (
	tCodeStarConnection = "aws:codestarconnections/connection:Connection"
	tNotificationRule   = "aws:codestarnotifications/notificationRule:NotificationRule"
)

// notifyEventPrefix is the event ID prefix of the resource an ARN names.
var notifyEventPrefix = map[string]string{"codepipeline": "codepipeline-pipeline-", "codebuild": "codebuild-project-"}

var codestarSpecs = map[string]Spec{
	tCodeStarConnection: {
		Names: []Name{{Prop: "name", Auto: &Autoname{Max: 255, Sep: "-", Source: srcProviderAutonaming},
			Rule: StringRule{Min: 1, Max: 32, Desc: "a connection name is 1–32 characters", Source: srcConnCreate}}},
		Checks: []Check{
			oneOf(srcConnCreate, "providerType", "Bitbucket", "GitHub", "GitHubEnterpriseServer", "GitLab", "GitLabSelfManaged", "AzureDevOps"),
			{Rule: "exactly one of providerType and hostArn", Source: srcConnProviderOrHost,
				Find: func(r *Resource, _ *Stack) []Finding {
					_, p := r.Value("providerType")
					_, h := r.Value("hostArn")
					if p == h {
						return []Finding{{Property: "providerType", Value: fmt.Sprintf("providerType set %v, hostArn set %v", p, h)}}
					}
					return nil
				}},
		},
	},

	tNotificationRule: {
		Names: []Name{{Prop: "name", Auto: &Autoname{Max: 255, Sep: "-", Source: srcProviderAutonaming},
			Rule: StringRule{Pattern: regexp.MustCompile(`^[A-Za-z0-9\-_ ]+$`), Min: 1, Max: 64,
				Desc: "a notification rule name is 1–64 letters, digits, spaces, '-' or '_'", Source: srcNotifyCreate}}},
		Checks: []Check{
			// "At least one target must be specified on creation"
			// (pulumi-aws NotificationRule targets).
			required(srcNotifyCreate, "detailType", "eventTypeIds", "resource", "targets"),
			oneOf(srcNotifyCreate, "detailType", "BASIC", "FULL"),
			oneOf(srcNotifyCreate, "status", "ENABLED", "DISABLED"),
			oneOf(srcNotifyTarget, "targets[].type", "SNS", "AWSChatbotSlack", "AWSChatbotMicrosoftTeams"),
			{Rule: "at most 10 targets", Source: srcNotifyCreate + " (Targets: Array Members: Maximum number of 10 items)",
				Find: func(r *Resource, _ *Stack) []Finding {
					if n := len(values(r, "targets[]")); n > 10 {
						return []Finding{{Property: "targets", Value: fmt.Sprintf("%d targets", n)}}
					}
					return nil
				}},
			{Rule: "event type IDs are those of the resource's type (codepipeline-pipeline-… for a pipeline, codebuild-project-… for a project)", Source: srcNotifyEvents,
				Find: func(r *Resource, _ *Stack) []Finding {
					arn, _ := r.String("resource")
					parts := strings.Split(arn, ":")
					if len(parts) < 3 {
						return nil
					}
					prefix, known := notifyEventPrefix[parts[2]]
					if !known {
						return nil
					}
					var fs []Finding
					for _, v := range values(r, "eventTypeIds[]") {
						if e, ok := v.(string); ok && !isPlaceholder(e) && !strings.HasPrefix(e, prefix) {
							fs = append(fs, Finding{Property: "eventTypeIds", Value: e})
						}
					}
					return fs
				}},
		},
	},
}
