package prcomment

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
)

// Target is the pull request the comment goes on.
type Target struct {
	// BaseURL is the REST API's root: "" for github.com, or a GitHub
	// Enterprise Server's "https://HOST/api/v3".
	BaseURL string
	Owner   string
	Repo    string
	PR      int
}

func (t Target) String() string { return fmt.Sprintf("%s/%s#%d", t.Owner, t.Repo, t.PR) }

// TargetFromEnv finds the pull request of the CI build kumo runs in: GitHub
// Actions (GITHUB_REPOSITORY; GITHUB_EVENT_PATH's pull request, else
// GITHUB_REF refs/pull/N/merge; GITHUB_API_URL for GitHub Enterprise) or an
// AWS CodeBuild pull request build (CODEBUILD_WEBHOOK_TRIGGER pr/N,
// CODEBUILD_SOURCE_REPO_URL). readFile reads the event file; nil is
// os.ReadFile.
func TargetFromEnv(getenv func(string) string, readFile func(string) ([]byte, error)) (Target, error) {
	return ResolveTarget("", 0, getenv, readFile)
}

// ResolveTarget is TargetFromEnv with the CLI's --repo owner/name and --pr N
// taking precedence ("" and 0 when not given), so kumo can comment from any
// CI, or from a workflow_run job that was handed the number.
func ResolveTarget(repoFlag string, prFlag int, getenv func(string) string, readFile func(string) ([]byte, error)) (Target, error) {
	env := func(name string) string { return strings.TrimSpace(getenv(name)) }
	if readFile == nil {
		readFile = os.ReadFile
	}
	var t Target
	var errs []error

	// The CodeBuild source URL names the repository and, for GitHub
	// Enterprise, the host whose API to call. It is only an error when
	// kumo needs it: a CodeCommit or S3 source with --repo is fine.
	cbURL := env("CODEBUILD_SOURCE_REPO_URL")
	cbOwner, cbRepo, cbBase, cbErr := parseRepoURL(cbURL)

	switch {
	case repoFlag != "":
		owner, repo, err := ParseRepo(repoFlag)
		if err != nil {
			errs = append(errs, fmt.Errorf("--repo: %w", err))
		}
		t.Owner, t.Repo = owner, repo
	case env("GITHUB_REPOSITORY") != "":
		owner, repo, err := ParseRepo(env("GITHUB_REPOSITORY"))
		if err != nil {
			errs = append(errs, fmt.Errorf("GITHUB_REPOSITORY: %w", err))
		}
		t.Owner, t.Repo = owner, repo
	case cbURL != "" && cbErr != nil:
		errs = append(errs, fmt.Errorf("CODEBUILD_SOURCE_REPO_URL: %w: or pass --repo owner/name", cbErr))
	case cbURL != "":
		t.Owner, t.Repo = cbOwner, cbRepo
	default:
		errs = append(errs, errors.New("no repository to comment on: pass --repo owner/name, or run in GitHub Actions (which sets GITHUB_REPOSITORY) or in a CodeBuild build of a GitHub source (which sets CODEBUILD_SOURCE_REPO_URL)"))
	}

	switch {
	case prFlag < 0:
		errs = append(errs, fmt.Errorf("--pr is %d: want a pull request number, 1 or more", prFlag))
	case prFlag > 0:
		t.PR = prFlag
	default:
		n, err := prFromEnv(env, readFile)
		if err != nil {
			errs = append(errs, err)
		}
		t.PR = n
	}

	switch v := env("GITHUB_API_URL"); {
	case v != "":
		base, err := parseAPIURL(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("GITHUB_API_URL: %w", err))
		}
		t.BaseURL = base
	default:
		t.BaseURL = cbBase
	}

	if err := errors.Join(errs...); err != nil {
		return Target{}, err
	}
	return t, nil
}

// prFromEnv reads the pull request number: Actions' event file, then
// GITHUB_REF, then CodeBuild's webhook trigger.
func prFromEnv(env func(string) string, readFile func(string) ([]byte, error)) (int, error) {
	howTo := "pass --pr N, or run kumo on a pull_request event (GitHub Actions) or a CodeBuild webhook build for PULL_REQUEST_CREATED, PULL_REQUEST_UPDATED and PULL_REQUEST_REOPENED"
	var seen []string
	if path := env("GITHUB_EVENT_PATH"); path != "" {
		b, err := readFile(path)
		if err != nil {
			return 0, fmt.Errorf("GITHUB_EVENT_PATH: read the event: %w", err)
		}
		n, err := prFromEvent(b)
		if err != nil {
			return 0, fmt.Errorf("GITHUB_EVENT_PATH %s: %w", path, err)
		}
		if n > 0 {
			return n, nil
		}
		event := env("GITHUB_EVENT_NAME")
		if event == "" {
			event = "unnamed"
		}
		seen = append(seen, fmt.Sprintf("the %s event in GITHUB_EVENT_PATH has no pull request number", event))
	}
	if ref := env("GITHUB_REF"); ref != "" {
		// Actions' ref of a pull_request run is refs/pull/N/merge
		// (https://docs.github.com/en/actions/writing-workflows/choosing-when-your-workflow-runs/events-that-trigger-workflows#pull_request).
		if rest, ok := strings.CutPrefix(ref, "refs/pull/"); ok {
			num, kind, _ := strings.Cut(rest, "/")
			if n, err := strconv.Atoi(num); err == nil && n > 0 && (kind == "merge" || kind == "head") {
				return n, nil
			}
		}
		seen = append(seen, fmt.Sprintf("GITHUB_REF %q is not refs/pull/N/merge", ref))
	}
	if trig := env("CODEBUILD_WEBHOOK_TRIGGER"); trig != "" {
		// CodeBuild sets pr/N for pull request events, branch/NAME and
		// tag/NAME for pushes
		// (https://docs.aws.amazon.com/codebuild/latest/userguide/build-env-ref-env-vars.html).
		if num, ok := strings.CutPrefix(trig, "pr/"); ok {
			if n, err := strconv.Atoi(num); err == nil && n > 0 {
				return n, nil
			}
		}
		seen = append(seen, fmt.Sprintf("CODEBUILD_WEBHOOK_TRIGGER %q is not pr/N", trig))
	} else if env("CODEBUILD_BUILD_ID") != "" {
		seen = append(seen, "CODEBUILD_WEBHOOK_TRIGGER is not set (the build was not started by a webhook)")
	}
	if len(seen) == 0 {
		return 0, fmt.Errorf("no pull request number: %s", howTo)
	}
	return 0, fmt.Errorf("no pull request number: %s: %s", strings.Join(seen, ", "), howTo)
}

// event holds the places a pull request's number can be in the payloads
// of the events a PR workflow runs on
// (https://docs.github.com/en/webhooks/webhook-events-and-payloads).
type event struct {
	PullRequest *struct {
		Number int `json:"number"`
	} `json:"pull_request"`
	// issue_comment on a pull request: the issue is the pull request.
	Issue *struct {
		Number      int             `json:"number"`
		PullRequest json.RawMessage `json:"pull_request"`
	} `json:"issue"`
	// workflow_run lists the pull requests of the head branch; it is empty
	// for a fork's, which is why --pr exists.
	WorkflowRun *struct {
		PullRequests []struct {
			Number int `json:"number"`
		} `json:"pull_requests"`
	} `json:"workflow_run"`
}

// prFromEvent returns the event's pull request, 0 when it has none (or,
// for workflow_run, more than one).
func prFromEvent(b []byte) (int, error) {
	var e event
	if err := json.Unmarshal(b, &e); err != nil {
		return 0, fmt.Errorf("not a JSON event payload: %w", err)
	}
	switch {
	case e.PullRequest != nil && e.PullRequest.Number > 0:
		return e.PullRequest.Number, nil
	case e.Issue != nil && len(e.Issue.PullRequest) > 0 && string(e.Issue.PullRequest) != "null" && e.Issue.Number > 0:
		return e.Issue.Number, nil
	case e.WorkflowRun != nil && len(e.WorkflowRun.PullRequests) == 1 && e.WorkflowRun.PullRequests[0].Number > 0:
		return e.WorkflowRun.PullRequests[0].Number, nil
	}
	return 0, nil
}

// GitHub's owner names are letters, digits and hyphens (plus the
// underscore of Enterprise Managed Users' "_shortcode" suffix); repository
// names are up to 100 of letters, digits, '.', '-' and '_'
// (https://docs.github.com/en/enterprise-cloud@latest/admin/managing-iam/iam-configuration-reference/username-considerations-for-external-authentication).
var (
	ownerName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]*$`)
	repoName  = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,100}$`)
)

// ParseRepo validates an "owner/name" (the --repo flag, GITHUB_REPOSITORY).
func ParseRepo(s string) (owner, repo string, err error) {
	owner, repo, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok || !ownerName.MatchString(owner) || !repoName.MatchString(repo) || repo == "." || repo == ".." {
		return "", "", fmt.Errorf("%q is not owner/name: want a repository such as kumo-iac/kumo (letters, digits, '-', '_' and '.'), not a URL", s)
	}
	return owner, repo, nil
}

// parseRepoURL reads CodeBuild's https://HOST/OWNER/REPO(.git) and returns
// the API root of HOST: "" for github.com, HOST/api/v3 for GitHub
// Enterprise Server.
func parseRepoURL(s string) (owner, repo, base string, err error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", "", "", fmt.Errorf("%q is not a GitHub repository URL: want https://github.com/OWNER/REPO.git", s)
	}
	owner, repo, err = ParseRepo(strings.TrimSuffix(strings.Trim(u.Path, "/"), ".git"))
	if err != nil {
		return "", "", "", fmt.Errorf("%q is not a GitHub repository URL: want https://github.com/OWNER/REPO.git", s)
	}
	if !strings.EqualFold(u.Hostname(), "github.com") {
		base = u.Scheme + "://" + u.Host + "/api/v3"
	}
	return owner, repo, base, nil
}

// parseAPIURL checks GITHUB_API_URL (https://api.github.com, or
// https://HOST/api/v3 on GitHub Enterprise Server) and returns "" for
// github.com's.
func parseAPIURL(s string) (string, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", fmt.Errorf("%q is not a URL: want https://api.github.com or https://HOST/api/v3", s)
	}
	if strings.EqualFold(u.Host, "api.github.com") {
		return "", nil
	}
	return strings.TrimSuffix(s, "/"), nil
}
