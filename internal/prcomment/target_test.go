package prcomment

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestResolveTarget(t *testing.T) {
	files := map[string]string{
		"/gh/pull_request.json":  `{"action":"synchronize","number":42,"pull_request":{"number":42}}`,
		"/gh/issue_comment.json": `{"action":"created","issue":{"number":7,"pull_request":{"url":"https://api.github.com/repos/o/r/pulls/7"}}}`,
		"/gh/issue_plain.json":   `{"action":"created","issue":{"number":8}}`,
		"/gh/workflow_run.json":  `{"workflow_run":{"pull_requests":[{"number":9}]}}`,
		"/gh/workflow_fork.json": `{"workflow_run":{"pull_requests":[]}}`,
		"/gh/push.json":          `{"ref":"refs/heads/main"}`,
		"/gh/broken.json":        `{"pull_request":`,
	}
	readFile := func(name string) ([]byte, error) {
		if s, ok := files[name]; ok {
			return []byte(s), nil
		}
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	actions := map[string]string{
		"GITHUB_ACTIONS":    "true",
		"GITHUB_REPOSITORY": "kumo-iac/kumo",
		"GITHUB_API_URL":    "https://api.github.com",
		"GITHUB_EVENT_NAME": "pull_request",
		"GITHUB_EVENT_PATH": "/gh/pull_request.json",
		"GITHUB_REF":        "refs/pull/42/merge",
	}
	codebuild := map[string]string{
		"CODEBUILD_BUILD_ID":        "kumo-pr:0b3c",
		"CODEBUILD_SOURCE_REPO_URL": "https://github.com/kumo-iac/kumo.git",
		"CODEBUILD_WEBHOOK_TRIGGER": "pr/17",
		"CODEBUILD_WEBHOOK_EVENT":   "PULL_REQUEST_UPDATED",
	}
	with := func(base map[string]string, kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	tests := []struct {
		name    string
		env     map[string]string
		repo    string
		pr      int
		want    Target
		wantErr []string
	}{
		{name: "Actions pull_request: the event file's number", env: actions,
			want: Target{Owner: "kumo-iac", Repo: "kumo", PR: 42}},
		{name: "Actions issue_comment on a pull request", env: with(actions, "GITHUB_EVENT_NAME", "issue_comment", "GITHUB_EVENT_PATH", "/gh/issue_comment.json", "GITHUB_REF", "refs/heads/main"),
			want: Target{Owner: "kumo-iac", Repo: "kumo", PR: 7}},
		{name: "Actions workflow_run of a same-repository pull request", env: with(actions, "GITHUB_EVENT_NAME", "workflow_run", "GITHUB_EVENT_PATH", "/gh/workflow_run.json", "GITHUB_REF", "refs/heads/main"),
			want: Target{Owner: "kumo-iac", Repo: "kumo", PR: 9}},
		{name: "Actions workflow_run of a fork's pull request, number handed over with --pr", env: with(actions, "GITHUB_EVENT_NAME", "workflow_run", "GITHUB_EVENT_PATH", "/gh/workflow_fork.json", "GITHUB_REF", "refs/heads/main"),
			pr: 11, want: Target{Owner: "kumo-iac", Repo: "kumo", PR: 11}},
		{name: "Actions without an event file: GITHUB_REF refs/pull/N/merge", env: with(actions, "GITHUB_EVENT_PATH", ""),
			want: Target{Owner: "kumo-iac", Repo: "kumo", PR: 42}},
		{name: "GitHub Enterprise Server: GITHUB_API_URL", env: with(actions, "GITHUB_API_URL", "https://ghe.example.com/api/v3/"),
			want: Target{BaseURL: "https://ghe.example.com/api/v3", Owner: "kumo-iac", Repo: "kumo", PR: 42}},
		{name: "flags take precedence over the environment", env: actions, repo: "fork-owner/kumo.fork", pr: 3,
			want: Target{Owner: "fork-owner", Repo: "kumo.fork", PR: 3}},
		{name: "flags alone, outside CI", env: map[string]string{}, repo: "o/r", pr: 1,
			want: Target{Owner: "o", Repo: "r", PR: 1}},
		{name: "CodeBuild pull request build", env: codebuild,
			want: Target{Owner: "kumo-iac", Repo: "kumo", PR: 17}},
		{name: "CodeBuild of a GitHub Enterprise source", env: with(codebuild, "CODEBUILD_SOURCE_REPO_URL", "https://ghe.example.com/team/app"),
			want: Target{BaseURL: "https://ghe.example.com/api/v3", Owner: "team", Repo: "app", PR: 17}},
		{name: "CodeBuild of a CodeCommit source with --repo", env: with(codebuild, "CODEBUILD_SOURCE_REPO_URL", "https://git-codecommit.eu-west-1.amazonaws.com/v1/repos/app/x/y"),
			repo: "o/r", want: Target{Owner: "o", Repo: "r", PR: 17}},

		{name: "nothing set", env: map[string]string{},
			wantErr: []string{"no repository to comment on: pass --repo owner/name, or run in GitHub Actions (which sets GITHUB_REPOSITORY)", "no pull request number: pass --pr N"}},
		{name: "Actions push event", env: with(actions, "GITHUB_EVENT_NAME", "push", "GITHUB_EVENT_PATH", "/gh/push.json", "GITHUB_REF", "refs/heads/main"),
			wantErr: []string{`no pull request number: the push event in GITHUB_EVENT_PATH has no pull request number, GITHUB_REF "refs/heads/main" is not refs/pull/N/merge: pass --pr N`}},
		{name: "Actions issue_comment on an issue, not a pull request", env: with(actions, "GITHUB_EVENT_NAME", "issue_comment", "GITHUB_EVENT_PATH", "/gh/issue_plain.json", "GITHUB_REF", "refs/heads/main"),
			wantErr: []string{"the issue_comment event in GITHUB_EVENT_PATH has no pull request number"}},
		{name: "event file missing", env: with(actions, "GITHUB_EVENT_PATH", "/gh/gone.json"),
			wantErr: []string{"GITHUB_EVENT_PATH: read the event: open /gh/gone.json: file does not exist"}},
		{name: "event file not JSON", env: with(actions, "GITHUB_EVENT_PATH", "/gh/broken.json"),
			wantErr: []string{"GITHUB_EVENT_PATH /gh/broken.json: not a JSON event payload"}},
		{name: "GITHUB_REPOSITORY malformed", env: with(actions, "GITHUB_REPOSITORY", "kumo"),
			wantErr: []string{`GITHUB_REPOSITORY: "kumo" is not owner/name: want a repository such as kumo-iac/kumo`}},
		{name: "--repo given a URL", env: actions, repo: "https://github.com/o/r",
			wantErr: []string{`--repo: "https://github.com/o/r" is not owner/name`}},
		{name: "--pr negative", env: actions, pr: -3,
			wantErr: []string{"--pr is -3: want a pull request number, 1 or more"}},
		{name: "GITHUB_API_URL not a URL", env: with(actions, "GITHUB_API_URL", "ghe.example.com"),
			wantErr: []string{`GITHUB_API_URL: "ghe.example.com" is not a URL: want https://api.github.com or https://HOST/api/v3`}},
		{name: "CodeBuild push build", env: with(codebuild, "CODEBUILD_WEBHOOK_TRIGGER", "branch/main"),
			wantErr: []string{`no pull request number: CODEBUILD_WEBHOOK_TRIGGER "branch/main" is not pr/N: pass --pr N, or run kumo on a pull_request event (GitHub Actions) or a CodeBuild webhook build for PULL_REQUEST_CREATED, PULL_REQUEST_UPDATED and PULL_REQUEST_REOPENED`}},
		{name: "CodeBuild started by hand", env: with(codebuild, "CODEBUILD_WEBHOOK_TRIGGER", ""),
			wantErr: []string{"CODEBUILD_WEBHOOK_TRIGGER is not set (the build was not started by a webhook)"}},
		{name: "CodeBuild of a CodeCommit source without --repo", env: with(codebuild, "CODEBUILD_SOURCE_REPO_URL", "https://git-codecommit.eu-west-1.amazonaws.com/v1/repos/app"),
			wantErr: []string{`CODEBUILD_SOURCE_REPO_URL: "https://git-codecommit.eu-west-1.amazonaws.com/v1/repos/app" is not a GitHub repository URL: want https://github.com/OWNER/REPO.git: or pass --repo owner/name`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			getenv := func(k string) string { return tt.env[k] }
			got, err := ResolveTarget(tt.repo, tt.pr, getenv, readFile)
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("got error %v; want %+v", err, tt.want)
				}
				if got != tt.want {
					t.Errorf("got %+v; want %+v", got, tt.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("got %+v; want an error containing %q", got, tt.wantErr)
			}
			containsInOrder(t, err.Error(), tt.wantErr)
		})
	}
}

func TestTargetFromEnvIsResolveTargetWithoutFlags(t *testing.T) {
	env := map[string]string{"GITHUB_REPOSITORY": "o/r", "GITHUB_REF": "refs/pull/5/merge"}
	got, err := TargetFromEnv(func(k string) string { return env[k] }, func(string) ([]byte, error) { return nil, errors.New("no file") })
	if err != nil || got != target {
		t.Errorf("got %+v, %v; want %+v", got, err, target)
	}
	if got.String() != "o/r#5" {
		t.Errorf("got %q; want o/r#5", got.String())
	}
}

func TestParseRepo(t *testing.T) {
	for _, tt := range []struct {
		in   string
		ok   bool
		o, r string
	}{
		{"kumo-iac/kumo", true, "kumo-iac", "kumo"},
		{"octo_emu/app.web_v2", true, "octo_emu", "app.web_v2"},
		{"o/r/x", false, "", ""},
		{"o/", false, "", ""},
		{"/r", false, "", ""},
		{"o/..", false, "", ""},
		{"-o/r", false, "", ""},
		{"o/" + strings.Repeat("r", 101), false, "", ""},
	} {
		o, r, err := ParseRepo(tt.in)
		if (err == nil) != tt.ok || o != tt.o || r != tt.r {
			t.Errorf("ParseRepo(%q): got %q, %q, %v; want %q, %q, ok=%v", tt.in, o, r, err, tt.o, tt.r, tt.ok)
		}
	}
}

func TestResolveTargetReadsTheEventFileByDefault(t *testing.T) {
	path := filepath.Join(t.TempDir(), "event.json")
	if err := os.WriteFile(path, []byte(`{"pull_request":{"number":12}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"GITHUB_REPOSITORY": "o/r", "GITHUB_EVENT_PATH": path}
	got, err := ResolveTarget("", 0, func(k string) string { return env[k] }, nil)
	if want := (Target{Owner: "o", Repo: "r", PR: 12}); err != nil || got != want {
		t.Errorf("got %+v, %v; want %+v", got, err, want)
	}
}
