package canarycmd_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/kumo-iac/kumo/cmd/kumo/internal/cli"
	"github.com/kumo-iac/kumo/cmd/kumo/internal/root"
)

func project(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range map[string]string{
		"Pulumi.yaml":     "name: shop\n",
		"Pulumi.dev.yaml": "config:\n  aws:region: eu-central-1\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func execute(t *testing.T, f *cli.Factory, args string) error {
	t.Helper()
	cmd := root.NewCmdRoot(f)
	cmd.SetArgs(strings.Fields(args))
	_, err := cmd.ExecuteC()
	return err
}

// TestKumoCanaryStatus runs `kumo canary status` as the binary would, with
// the real SDK clients, against a local endpoint: the stack's region is the
// one requests are signed for, even when the environment names another.
func TestKumoCanaryStatus(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu     sync.Mutex
		scopes []string
	)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		_, cred, _ := strings.Cut(r.Header.Get("Authorization"), "Credential=")
		cred, _, _ = strings.Cut(cred, ",")
		scopes = append(scopes, cred)
		mu.Unlock()
		if r.Header.Get("X-Amz-Target") != "ResourceGroupsTaggingAPI_20170126.GetResources" {
			t.Errorf("unexpected request %s %s", r.Method, r.URL)
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		io.WriteString(w, `{"PaginationToken":"","ResourceTagMappingList":[]}`)
	}))
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	defer srv.Close()

	ios, _, out, errOut := cli.Test()
	f := &cli.Factory{
		IO:    ios,
		Getwd: func() (string, error) { return project(t), nil },
		AWSConfig: func(_ context.Context, region string) (aws.Config, error) {
			return aws.Config{
				Region:       "us-east-1", // as if AWS_REGION disagreed with the stack
				Credentials:  credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
				BaseEndpoint: aws.String(srv.URL),
				Retryer:      func() aws.Retryer { return aws.NopRetryer{} },
			}, nil
		},
	}
	if err := execute(t, f, "canary status"); err != nil {
		t.Fatalf("kumo canary status: %v (stderr %q)", err, errOut)
	}
	want := "stack dev (project shop, eu-central-1): 0 functions\n" +
		"no Lambda functions are tagged kumo:project=shop, kumo:stack=dev here; is the stack deployed to this region?\n"
	if got := out.String(); got != want {
		t.Errorf("stdout = %q; want %q", got, want)
	}
	if len(scopes) != 1 || !strings.HasPrefix(scopes[0], "AKIDEXAMPLE/") || !strings.HasSuffix(scopes[0], "/eu-central-1/tagging/aws4_request") {
		t.Errorf("credential scopes = %v; want one request signed for eu-central-1/tagging", scopes)
	}
}

func TestKumoCanaryNoCredentials(t *testing.T) {
	ios, _, out, _ := cli.Test()
	f := &cli.Factory{
		IO:    ios,
		Getwd: func() (string, error) { return project(t), nil },
		AWSConfig: func(context.Context, string) (aws.Config, error) {
			return aws.Config{Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
				return aws.Credentials{}, errors.New("no EC2 IMDS role found")
			})}, nil
		},
	}
	err := execute(t, f, "canary status")
	var cerr *cli.Error
	if !errors.As(err, &cerr) || cerr.Code != cli.ExitError {
		t.Fatalf("error = %v; want a *cli.Error with exit code 1", err)
	}
	want := "no AWS credentials found: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run aws sso login\n  cause: no EC2 IMDS role found"
	if err.Error() != want {
		t.Errorf("error = %q; want %q", err, want)
	}
	if out.Len() != 0 {
		t.Errorf("stdout = %q; want nothing", out)
	}
}

func TestKumoCanary(t *testing.T) {
	ios, _, out, _ := cli.Test()
	f := &cli.Factory{IO: ios, Getwd: os.Getwd}
	if err := execute(t, f, "canary"); err != nil || !strings.Contains(out.String(), "status") {
		t.Errorf("kumo canary: err %v, stdout %q; want the help listing status", err, out)
	}
	err := execute(t, f, "canary stats")
	var cerr *cli.Error
	if !errors.As(err, &cerr) || cerr.Code != cli.ExitUsage || err.Error() != `unknown command "stats" for "kumo canary"` {
		t.Errorf("kumo canary stats: error %v; want a usage error naming the unknown command", err)
	}
}
