package pipeline_test

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/assertions"
	"github.com/kumo-iac/kumo/constructs"
	"github.com/kumo-iac/kumo/patterns/pipeline"
)

const (
	roleARN   = "arn:aws:iam::210987654321:role/kumo-deploy"
	secretARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:gh-token-AbCdEf"
)

// badCases are sections with one problem each, and the error it gets:
// the key, the value and what is allowed.
var badCases = []struct {
	name, section, key, want string
}{
	{"empty repository", `{"repository":""}`, "repository", `is empty; give the repository the pipeline builds, as owner/name`},
	{"repository without owner", `{"repository":"shop"}`, "repository", `"shop" is not owner/name`},
	{"repository with a space", `{"repository":"acme/my shop"}`, "repository", `"acme/my shop" is not owner/name`},
	{"bad provider", `{"provider":"CodeCommit","pullRequests":false}`, "provider", `"CodeCommit" is not one of Bitbucket, GitHub, GitLab`},
	{"branch with a space", `{"branch":"my branch"}`, "branch", `"my branch" is not a branch name`},
	{"branch as a ref", `{"branch":"refs/heads/main"}`, "branch", `"refs/heads/main" is not a branch name`},
	{"empty branch", `{"branch":""}`, "branch", `"" is not a branch name`},
	{"stage without a stack file", `{"stages":["dev","staging"],"approvalStages":[]}`, "stages", `"staging" has no stack file "Pulumi.staging.yaml"`},
	{"stage not a stack name", `{"stages":["dev","pr*d"],"approvalStages":["dev"]}`, "stages", `"pr*d" is not a stack name`},
	{"duplicate stage", `{"stages":["dev","prod","dev"]}`, "stages", `"dev" is listed twice`},
	{"no stages", `{"stages":[],"approvalStages":[]}`, "stages", `is empty; list the stacks to deploy in order`},
	{"deployRoleArns not stage=arn", `{"deployRoleArns":["` + roleARN + `"]}`, "deployRoleArns", `is not stage=arn`},
	{"deployRoleArns unknown stage", `{"deployRoleArns":["qa=` + roleARN + `"]}`, "deployRoleArns", `names stage "qa", which is not in kumo:pipeline.stages (dev, prod)`},
	{"deployRoleArns not a role", `{"deployRoleArns":["prod=arn:aws:iam::210987654321:user/bob"]}`, "deployRoleArns", `"arn:aws:iam::210987654321:user/bob" is not an IAM role ARN`},
	{"deployRoleArns short account", `{"deployRoleArns":["prod=arn:aws:iam::12:role/x"]}`, "deployRoleArns", `"arn:aws:iam::12:role/x" is not an IAM role ARN`},
	{"deployRoleArns two for a stage", `{"deployRoleArns":["prod=` + roleARN + `","prod=` + roleARN + `"]}`, "deployRoleArns", `stage "prod" has two roles`},
	{"approval stage not in stages", `{"approvalStages":["staging"]}`, "approvalStages", `"staging" is not in kumo:pipeline.stages (dev, prod)`},
	{"backend typo", `{"backend":"S3"}`, "backend", `"S3" is not "s3" or "pulumi-cloud"`},
	{"pulumi-cloud without token", `{"backend":"pulumi-cloud"}`, "pulumiTokenSecret", `is empty; backend "pulumi-cloud" needs the Secrets Manager secret`},
	{"token with s3", `{"pulumiTokenSecret":"` + secretARN + `"}`, "pulumiTokenSecret", `is set, but backend is "s3"`},
	{"token not a secret", `{"backend":"pulumi-cloud","pulumiTokenSecret":"pul-abc123"}`, "pulumiTokenSecret", `"pul-abc123" is not a Secrets Manager secret ARN`},
	{"pullRequests with GitLab", `{"provider":"GitLab"}`, "pullRequests", `is true, but provider is "GitLab": kumo reviews pull requests on GitHub only`},
	{"commentTokenSecret without pullRequests", `{"pullRequests":false,"commentTokenSecret":"` + secretARN + `"}`, "commentTokenSecret", `is set, but pull request reviews are off`},
	{"unknown goVersion", `{"goVersion":"1.19.0"}`, "goVersion", `"1.19.0" has no checksum in kumo's table`},
	{"goVersion not a version", `{"goVersion":"latest"}`, "goVersion", `"latest" is not a release version`},
	{"unknown pulumiVersion", `{"pulumiVersion":"3.0.0"}`, "pulumiVersion", `"3.0.0" has no SHA-256 in kumo's table`},
	{"bad logRetentionDays", `{"logRetentionDays":10}`, "logRetentionDays", `10 is not a CloudWatch Logs retention; use one of [1 3 5 7 14 30`},
	{"artifactRetentionDays zero", `{"artifactRetentionDays":0}`, "artifactRetentionDays", `0 is outside 1–3650 days`},
	{"artifactRetentionDays too long", `{"artifactRetentionDays":3651}`, "artifactRetentionDays", `3651 is outside 1–3650 days`},
	{"bad e-mail", `{"notificationEmails":["ops.example.com"]}`, "notificationEmails", `"ops.example.com" is not an e-mail address`},
	{"bad connectionArn", `{"connectionArn":"arn:aws:codestar-connections:eu-west-1:123456789012:connection/abc"}`, "connectionArn", `is not a CodeStar connection ARN`},
	{"absolute projectDir", `{"projectDir":"/src/app"}`, "projectDir", `"/src/app" must be a relative path inside the repository`},
	{"projectDir outside", `{"projectDir":"../other"}`, "projectDir", `"../other" must be a relative path inside the repository`},
}

// TestBadConfigEachGetsOneClearError: each bad key is reported once, named
// with its value and what is allowed, and the pattern registers nothing.
func TestBadConfigEachGetsOneClearError(t *testing.T) {
	for _, c := range badCases {
		t.Run(c.name, func(t *testing.T) {
			section := c.section
			if !strings.Contains(section, `"repository"`) {
				section = merge(t, section)
			}
			cfg := decode(t, section)
			errs := pipeline.Pattern{}.Validate(cfg, env)
			if len(errs) != 1 {
				t.Fatalf("got %d errors; want exactly 1:\n%v", len(errs), errs)
			}
			if got, want := errs[0].Error(), "kumo:pipeline."+c.key+": "; !strings.HasPrefix(got, want) || !strings.Contains(got, c.want) {
				t.Errorf("got %q; want it to start with %q and contain %q", got, want, c.want)
			}

			// New refuses the same config before registering anything.
			tpl, err := assertions.TrySynth(t, func(ctx *pulumi.Context) (pulumi.Map, error) {
				return pipeline.Pattern{}.Deploy(ctx, cfg, env)
			}, stack)
			var ve *constructs.ValidationError
			if !errors.As(err, &ve) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Deploy: got %v; want a *constructs.ValidationError containing %q", err, c.want)
			}
			if tpl != nil && len(tpl.Resources()) > 0 {
				t.Errorf("Deploy registered %d resources (first %s); want none", len(tpl.Resources()), tpl.Resources()[0])
			}
		})
	}
}

// TestBadConfigReportsEveryProblemAtOnce: one pass names every bad key
// (projectDir aside: a bad one stops the stack file checks, see
// TestBadConfigEachGetsOneClearError).
func TestBadConfigReportsEveryProblemAtOnce(t *testing.T) {
	section := `{"repository":"shop","provider":"GitLab","branch":"a b","stages":["dev","dev","staging"],` +
		`"deployRoleArns":["qa=` + roleARN + `"],"approvalStages":["uat"],"backend":"pulumi-cloud",` +
		`"commentTokenSecret":"` + secretARN + `","goVersion":"1.19.0","pulumiVersion":"9.9.9",` +
		`"logRetentionDays":2,"artifactRetentionDays":0,"notificationEmails":["nope"],"connectionArn":"arn:x"}`
	want := []string{`repository: "shop"`, `branch: "a b"`, `stages: "dev" is listed twice`, `stages: "staging" has no stack file`,
		`deployRoleArns: "qa=`, `approvalStages: "uat"`, `pulumiTokenSecret: is empty`, `commentTokenSecret: is set`,
		`pullRequests: is true, but provider is "GitLab"`, `goVersion: "1.19.0"`, `pulumiVersion: "9.9.9"`,
		`logRetentionDays: 2`, `artifactRetentionDays: 0`, `notificationEmails: "nope"`, `connectionArn: "arn:x"`}
	errs := pipeline.Pattern{}.Validate(decode(t, section), env)
	all := errors.Join(errs...).Error()
	if len(errs) != len(want) {
		t.Errorf("got %d errors; want %d:\n%s", len(errs), len(want), all)
	}
	for _, w := range want {
		if n := len(regexp.MustCompile(`(?m)^kumo:pipeline\.`+regexp.QuoteMeta(w)).FindAllString(all, -1)); n != 1 {
			t.Errorf("kumo:pipeline.%s: reported %d times; want once:\n%s", w, n, all)
		}
	}
}

// TestGoodConfigVariants: values the validation must accept deploy.
func TestGoodConfigVariants(t *testing.T) {
	for _, section := range []string{
		`{"provider":"GitLab","pullRequests":false,"repository":"group/sub/app"}`,
		`{"provider":"Bitbucket","pullRequests":false}`,
		`{"connectionArn":"arn:aws:codeconnections:eu-west-1:123456789012:connection/0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9"}`,
		`{"commentTokenSecret":"` + secretARN + `:token"}`,
		`{"commentTokenSecret":"` + secretARN + `"}`,
		`{"backend":"pulumi-cloud","pulumiTokenSecret":"` + secretARN + `"}`,
		`{"deployRoleArns":["dev=` + roleARN + `","prod=arn:aws-cn:iam::210987654321:role/path/deploy"]}`,
		`{"notificationEmails":["ops@example.com"],"artifactRetentionDays":3650,"logRetentionDays":3653}`,
	} {
		t.Run(section, func(t *testing.T) {
			s := merge(t, section)
			if _, err := assertions.TrySynth(t, func(ctx *pulumi.Context) (pulumi.Map, error) {
				cfg := decode(t, s)
				if errs := (pipeline.Pattern{}).Validate(cfg, env); len(errs) > 0 {
					return nil, errors.Join(errs...)
				}
				return pipeline.Pattern{}.Deploy(ctx, cfg, env)
			}, stack); err != nil {
				t.Errorf("got %v; want the section to deploy", err)
			}
		})
	}
}
