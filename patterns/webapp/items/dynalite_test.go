package items

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
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// The tests run the Store against dynalite, an implementation of DynamoDB's
// protocol on Node.js (https://github.com/architect/dynalite), so that
// condition expressions, the owner index, Query and Scan pagination and
// concurrent conditional writes behave as a DynamoDB server makes them
// behave, not as a fake written next to the code assumes. One dynalite
// process serves the whole test binary, in memory, on a loopback port; each
// test gets its own table.
//
// It is installed from testdata/dynalite, whose package-lock.json pins it:
//
//	npm ci --ignore-scripts --prefix patterns/webapp/items/testdata/dynalite
//
// KUMO_DYNALITE may name another dynalite executable. Without one the tests
// that need it skip, except under CI=true, where they fail.
const dynaliteInstall = "npm ci --ignore-scripts --prefix patterns/webapp/items/testdata/dynalite"

// dynaliteDir is where the pinned manifest is, relative to this package.
const dynaliteDir = "testdata/dynalite"

var dynalite struct {
	once     sync.Once
	skip     string // why there is no dynalite to test with
	err      error  // why it did not start
	cmd      *exec.Cmd
	endpoint string
	version  string
	client   *dynamodb.Client
}

func TestMain(m *testing.M) {
	code := m.Run()
	if c := dynalite.cmd; c != nil {
		_ = c.Process.Kill()
		_ = c.Wait()
	}
	os.Exit(code)
}

// dynamo returns a client of the shared dynalite, starting it on first use.
func dynamo(t *testing.T) *dynamodb.Client {
	t.Helper()
	dynalite.once.Do(startDynalite)
	if dynalite.skip != "" {
		if os.Getenv("CI") == "true" {
			t.Fatal(dynalite.skip)
		}
		t.Skip(dynalite.skip)
	}
	if dynalite.err != nil {
		t.Fatalf("dynalite: %v", dynalite.err)
	}
	return dynalite.client
}

func dynalitePath() (string, bool) {
	if p := os.Getenv("KUMO_DYNALITE"); p != "" {
		return p, true
	}
	p, err := filepath.Abs(filepath.Join(dynaliteDir, "node_modules", ".bin", "dynalite"))
	if err != nil {
		return "", false
	}
	_, err = os.Stat(p)
	return p, err == nil
}

func startDynalite() {
	exe, ok := dynalitePath()
	if !ok {
		dynalite.skip = "no dynalite: install the pinned version with `" + dynaliteInstall + "` (needs Node.js 20+) from the repository root, or set KUMO_DYNALITE to a dynalite executable"
		return
	}
	if dynalite.version, dynalite.err = checkDynaliteVersion(exe); dynalite.err != nil {
		return
	}
	// dynalite takes no port 0, so a free port is picked first; another
	// process can take it in between, hence the retries.
	for range 3 {
		if dynalite.err = launchDynalite(exe); dynalite.err == nil {
			break
		}
	}
	if dynalite.err != nil {
		return
	}
	dynalite.client = dynamodb.New(dynamodb.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(dynalite.endpoint),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "kumo", SecretAccessKey: "test", Source: "items tests"}, nil
		}),
		// Every call is bounded, whatever context a test passes.
		HTTPClient: &http.Client{Timeout: 10 * time.Second},
	})
}

// checkDynaliteVersion compares the installed dynalite with the version
// testdata/dynalite/package.json pins, so a stale install fails loudly.
func checkDynaliteVersion(exe string) (string, error) {
	cli, err := filepath.EvalSymlinks(exe) // node_modules/dynalite/cli.js
	if err != nil {
		return "", err
	}
	var installed, pinned struct {
		Version      string            `json:"version"`
		Dependencies map[string]string `json:"dependencies"`
	}
	if err := readJSON(filepath.Join(filepath.Dir(cli), "package.json"), &installed); err != nil {
		return "", fmt.Errorf("%s is not an npm installation of dynalite: %w", exe, err)
	}
	if err := readJSON(filepath.Join(dynaliteDir, "package.json"), &pinned); err != nil {
		return "", err
	}
	if want := pinned.Dependencies["dynalite"]; installed.Version != want {
		return "", fmt.Errorf("%s is dynalite %s, but %s/package.json pins %s: run `%s`", exe, installed.Version, dynaliteDir, want, dynaliteInstall)
	}
	return installed.Version, nil
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

func launchDynalite(exe string) error {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	// Tables are ACTIVE at once instead of after dynalite's default 500 ms.
	cmd := exec.Command(exe, "--host", "127.0.0.1", "--port", fmt.Sprint(port),
		"--createTableMs", "0", "--deleteTableMs", "0", "--updateTableMs", "0")
	cmd.Stderr = os.Stderr
	setDeathSignal(cmd) // no orphaned server if the test binary is killed
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", exe, err)
	}
	ready := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "Dynalite listening at:") {
				ready <- nil
				// Keep draining so dynalite never blocks on a full pipe.
				for sc.Scan() {
				}
				return
			}
		}
		ready <- errors.New("exited before it listened")
	}()
	select {
	case err = <-ready:
	case <-time.After(15 * time.Second):
		err = errors.New("did not listen within 15 s")
	}
	if err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return fmt.Errorf("dynalite on port %d: %w", port, err)
	}
	dynalite.cmd = cmd
	dynalite.endpoint = fmt.Sprintf("http://127.0.0.1:%d", port)
	return nil
}

var (
	tables        atomic.Int64
	badTableChars = regexp.MustCompile(`[^a-zA-Z0-9_.-]`)
)

// newTable creates a table with the items design, as the web-app pattern
// deploys it, and deletes it when the test ends.
func newTable(t *testing.T, ctx context.Context, db *dynamodb.Client) string {
	t.Helper()
	// DynamoDB's TableName pattern is [a-zA-Z0-9_.-]+, 3 to 255 long.
	name := fmt.Sprintf("items-%s-%d", badTableChars.ReplaceAllString(t.Name(), "_"), tables.Add(1))
	if len(name) > 255 {
		name = name[len(name)-255:]
	}
	str := types.ScalarAttributeTypeS
	_, err := db.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:   aws.String(name),
		BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String(IDAttribute), AttributeType: str},
			{AttributeName: aws.String(OwnerAttribute), AttributeType: str},
			{AttributeName: aws.String(CreatedAtAttribute), AttributeType: str},
		},
		KeySchema: []types.KeySchemaElement{{AttributeName: aws.String(IDAttribute), KeyType: types.KeyTypeHash}},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{
			IndexName: aws.String(OwnerIndex),
			KeySchema: []types.KeySchemaElement{
				{AttributeName: aws.String(OwnerAttribute), KeyType: types.KeyTypeHash},
				{AttributeName: aws.String(CreatedAtAttribute), KeyType: types.KeyTypeRange},
			},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		}},
	})
	if err != nil {
		t.Fatalf("create table %s: %v", name, err)
	}
	w := dynamodb.NewTableExistsWaiter(db, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 10*time.Millisecond, 100*time.Millisecond
	})
	if err := w.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)}, 10*time.Second); err != nil {
		t.Fatalf("table %s did not become active: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := db.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(name)}); err != nil {
			t.Errorf("delete table %s: %v", name, err)
		}
	})
	return name
}
