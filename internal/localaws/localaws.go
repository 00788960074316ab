// Package localaws starts local implementations of AWS protocols for tests,
// so that handlers are tested against a server that parses real requests
// and answers with real status codes and errors, not against a fake written
// next to the code it checks: s3rver for S3, dynalite for DynamoDB and
// kinesalite for Kinesis Data Streams, all from npm at the versions
// test/localaws/package-lock.json pins. Each runs as a child process on a
// free port, is reached on loopback, and dies with the test binary.
//
// Install them once from the repository root with
//
//	npm ci --ignore-scripts --prefix test/localaws
//
// KUMO_S3RVER, KUMO_DYNALITE and KUMO_KINESALITE may name other
// executables of the same versions. Without an installation, Shared skips
// the test, except under CI=true, where it fails it.
package localaws

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Install is the command that installs the pinned tools, run from the
// repository root.
const Install = "npm ci --ignore-scripts --prefix test/localaws"

// manifestDir is where the pinned package.json is, relative to the
// repository root.
const manifestDir = "test/localaws"

// startTimeout bounds how long a server may take to say it listens.
const startTimeout = 20 * time.Second

// Tool is one local implementation of an AWS protocol.
type Tool struct {
	// Name is the npm package, and its executable in node_modules/.bin.
	Name string
	// Env names the variable that may point at another executable.
	Env string

	// fixedPort is true for servers that cannot listen on port 0 and
	// report the port they got, so a free port is picked first.
	fixedPort bool
	// args are the arguments for a server on port (0 when !fixedPort)
	// keeping its data in dir.
	args func(port int, dir string) []string
	// listening matches the line the server prints when it accepts
	// connections; its first group is host:port, or only the port when
	// portOnly is set.
	listening *regexp.Regexp
	// portOnly is true for servers that bind every address and name none
	// worth dialling ("::"); they are reached on loopback.
	portOnly bool
}

var (
	// S3rver is s3rver (https://github.com/jamhall/s3rver), S3's REST
	// protocol over a directory. It checks SigV4 signatures made with the
	// access key S3RVER and secret S3RVER.
	S3rver = &Tool{
		Name: "s3rver",
		Env:  "KUMO_S3RVER",
		args: func(_ int, dir string) []string {
			// Path-style only, as the clients here address it; -s keeps
			// one log line per request out of the test output.
			return []string{"-d", dir, "-a", "127.0.0.1", "-p", "0", "-s", "--no-vhost-buckets"}
		},
		listening: regexp.MustCompile(`^S3rver listening on (\S+:\d+)$`),
	}
	// Dynalite is dynalite (https://github.com/architect/dynalite),
	// DynamoDB's JSON protocol in memory, condition expressions included.
	Dynalite = &Tool{
		Name:      "dynalite",
		Env:       "KUMO_DYNALITE",
		fixedPort: true, // it reads --port 0 as "the default, 4567"
		args: func(port int, _ string) []string {
			// Tables are ACTIVE at once instead of after 500 ms.
			return []string{"--host", "127.0.0.1", "--port", fmt.Sprint(port),
				"--createTableMs", "0", "--deleteTableMs", "0", "--updateTableMs", "0"}
		},
		listening: regexp.MustCompile(`^Dynalite listening at: http://(\S+:\d+)$`),
	}
	// Kinesalite is kinesalite (https://github.com/mhart/kinesalite),
	// Kinesis Data Streams' JSON protocol in memory: streams, shards,
	// sequence numbers and the API's own input validation (record and
	// request size limits, partition key length).
	Kinesalite = &Tool{
		Name:      "kinesalite",
		Env:       "KUMO_KINESALITE",
		fixedPort: true, // it reads --port 0 as "the default, 4567"
		// It has no option to bind one address: it listens on every
		// interface, on a port free when picked, for the test's length.
		portOnly: true,
		args: func(port int, _ string) []string {
			// Streams are ACTIVE at once instead of after 500 ms.
			return []string{"--port", fmt.Sprint(port),
				"--createStreamMs", "0", "--deleteStreamMs", "0", "--updateStreamMs", "0"}
		},
		listening: regexp.MustCompile(`^Listening at http://\S*:(\d+)$`),
	}
)

// NotInstalledError says a tool has no executable to start, and how to get
// one.
type NotInstalledError struct {
	Tool *Tool
}

func (e *NotInstalledError) Error() string {
	return fmt.Sprintf("no %s: install the pinned version with `%s` (needs Node.js 20+) from the repository root, or set %s to the path of its executable",
		e.Tool.Name, Install, e.Tool.Env)
}

// Server is one running server process.
type Server struct {
	Tool *Tool
	// Endpoint is the base URL, http://127.0.0.1:port.
	Endpoint string
	// Version is the installed npm package's version.
	Version string

	cmd  *exec.Cmd
	dir  string
	done chan struct{}
}

// Start starts a new server of tool. Close stops it.
func Start(tool *Tool) (*Server, error) {
	exe, err := executable(tool)
	if err != nil {
		return nil, err
	}
	version, err := checkVersion(tool, exe)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "kumo-"+tool.Name+"-")
	if err != nil {
		return nil, err
	}
	// A free port picked first can be taken by another process before the
	// server binds it, hence the retries.
	tries := 1
	if tool.fixedPort {
		tries = 3
	}
	var s *Server
	for range tries {
		if s, err = launch(tool, exe, dir); err == nil {
			s.Version = version
			return s, nil
		}
	}
	_ = os.RemoveAll(dir)
	return nil, err
}

// Close kills the server and removes its data.
func (s *Server) Close() error {
	_ = s.cmd.Process.Kill()
	<-s.done
	return os.RemoveAll(s.dir)
}

func launch(tool *Tool, exe, dir string) (*Server, error) {
	port := 0
	if tool.fixedPort {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		port = l.Addr().(*net.TCPAddr).Port
		l.Close()
	}
	cmd := exec.Command(exe, tool.args(port, dir)...)
	cmd.Stderr = os.Stderr
	setDeathSignal(cmd) // no orphaned server when the test binary is killed
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", exe, err)
	}
	s := &Server{Tool: tool, cmd: cmd, dir: dir, done: make(chan struct{})}
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if m := tool.listening.FindStringSubmatch(strings.TrimSpace(sc.Text())); m != nil {
				if tool.portOnly {
					m[1] = net.JoinHostPort("127.0.0.1", m[1])
				}
				ready <- m[1]
				break
			}
		}
		close(ready)
		// Keep draining so the server never blocks on a full pipe.
		for sc.Scan() {
		}
		_ = cmd.Wait()
		close(s.done)
	}()
	select {
	case addr, ok := <-ready:
		if ok {
			s.Endpoint = "http://" + addr
			return s, nil
		}
		err = errors.New("exited before it listened")
	case <-time.After(startTimeout):
		err = fmt.Errorf("did not listen within %s", startTimeout)
	}
	_ = cmd.Process.Kill()
	<-s.done
	return nil, fmt.Errorf("%s: %w", tool.Name, err)
}

// executable finds tool's executable: the variable tool.Env, else the
// pinned installation under test/localaws.
func executable(tool *Tool) (string, error) {
	if p := os.Getenv(tool.Env); p != "" {
		return p, nil
	}
	root, err := repoRoot()
	if err != nil {
		return "", &NotInstalledError{Tool: tool}
	}
	p := filepath.Join(root, manifestDir, "node_modules", ".bin", tool.Name)
	if _, err := os.Stat(p); err != nil {
		return "", &NotInstalledError{Tool: tool}
	}
	return p, nil
}

// repoRoot is the nearest directory above the working directory (a test's
// package directory) that holds test/localaws/package.json.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, manifestDir, "package.json")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no %s/package.json above the working directory", manifestDir)
		}
		dir = parent
	}
}

type packageJSON struct {
	Name         string            `json:"name"`
	Version      string            `json:"version"`
	Dependencies map[string]string `json:"dependencies"`
}

// checkVersion compares the installed package with the version
// test/localaws/package.json pins, so that a stale install fails loudly
// instead of testing against a server that behaves differently.
func checkVersion(tool *Tool, exe string) (string, error) {
	root, err := repoRoot()
	if err != nil {
		return "", err
	}
	var pinned packageJSON
	if err := readJSON(filepath.Join(root, manifestDir, "package.json"), &pinned); err != nil {
		return "", err
	}
	want := pinned.Dependencies[tool.Name]
	// .bin/x links to node_modules/x/<bin>, one or two levels below the
	// package's own package.json.
	script, err := filepath.EvalSymlinks(exe)
	if err != nil {
		return "", err
	}
	for dir := filepath.Dir(script); dir != filepath.Dir(dir); dir = filepath.Dir(dir) {
		var installed packageJSON
		if readJSON(filepath.Join(dir, "package.json"), &installed) != nil || installed.Name != tool.Name {
			continue
		}
		if installed.Version != want {
			return "", fmt.Errorf("%s is %s %s, but %s/package.json pins %s: run `%s`", exe, tool.Name, installed.Version, manifestDir, want, Install)
		}
		return installed.Version, nil
	}
	return "", fmt.Errorf("%s is not an npm installation of %s (no package.json named %q above %s)", exe, tool.Name, tool.Name, script)
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// The servers a test binary shares, one per tool, started on first use.
var shared struct {
	mu      sync.Mutex
	servers map[*Tool]*sharedServer
}

type sharedServer struct {
	once sync.Once
	s    *Server
	err  error
}

// Shared returns the test binary's server of tool, starting it on first
// use. Without an installation it skips t, or fails it when CI=true; a
// server that does not start fails t. Call StopAll from TestMain after
// m.Run.
func Shared(t testing.TB, tool *Tool) *Server {
	t.Helper()
	shared.mu.Lock()
	if shared.servers == nil {
		shared.servers = map[*Tool]*sharedServer{}
	}
	ss := shared.servers[tool]
	if ss == nil {
		ss = &sharedServer{}
		shared.servers[tool] = ss
	}
	shared.mu.Unlock()
	ss.once.Do(func() { ss.s, ss.err = Start(tool) })
	var missing *NotInstalledError
	switch {
	case errors.As(ss.err, &missing) && os.Getenv("CI") != "true":
		t.Skip(ss.err)
	case ss.err != nil:
		t.Fatal(ss.err)
	}
	return ss.s
}

// StopAll stops the servers Shared started.
func StopAll() {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	for _, ss := range shared.servers {
		if ss.s != nil {
			_ = ss.s.Close()
		}
	}
	shared.servers = nil
}

// credentials are the ones s3rver accepts; dynalite and kinesalite accept
// any.
var credentials = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
	return aws.Credentials{AccessKeyID: "S3RVER", SecretAccessKey: "S3RVER", Source: "localaws"}, nil
})

// Every call is bounded and retried as the handlers' own clients are,
// whatever context a test passes.
func httpClient() *http.Client { return &http.Client{Timeout: 15 * time.Second} }

func retryer() aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) { o.MaxAttempts = 3 })
}

// S3 returns a client of an s3rver Server.
func (s *Server) S3() *s3.Client {
	return s3.New(s3.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(s.Endpoint),
		UsePathStyle: true,
		Credentials:  credentials,
		HTTPClient:   httpClient(),
		Retryer:      retryer(),
		// s3rver predates S3's default CRC32 checksums and the
		// aws-chunked uploads that carry them.
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	})
}

// DynamoDB returns a client of a dynalite Server.
func (s *Server) DynamoDB() *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(s.Endpoint),
		Credentials:  credentials,
		HTTPClient:   httpClient(),
		Retryer:      retryer(),
	})
}

// Kinesis returns a client of a kinesalite Server.
func (s *Server) Kinesis() *kinesis.Client {
	return kinesis.New(kinesis.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(s.Endpoint),
		Credentials:  credentials,
		HTTPClient:   httpClient(),
		Retryer:      retryer(),
	})
}
