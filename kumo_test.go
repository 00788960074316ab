package kumo

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/internal/synth"
)

// TestRunStopsOnInterruptWhenStartedIgnoringIt: kumo synth runs a program
// in the background of a shell, which starts it with interrupts ignored;
// the program, and the go commands it starts, must still stop on a
// terminal's Ctrl-C. A synthesizing program started so exits 130 on an
// interrupt.
func TestRunStopsOnInterruptWhenStartedIgnoringIt(t *testing.T) {
	if os.Getenv("KUMO_TEST_RUN_HELPER") != "" {
		Run(func(ctx *pulumi.Context) error {
			os.Stdout.WriteString("ready\n")
			time.Sleep(time.Minute)
			return nil
		})
		return
	}
	if runtime.GOOS == "windows" {
		t.Skip("no interrupt signal to send")
	}
	root := t.TempDir()
	for name, content := range map[string]string{"Pulumi.yaml": "name: p\nruntime: go\n", "Pulumi.dev.yaml": "config: {}\n"} {
		if err := os.WriteFile(filepath.Join(root, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// The helper inherits an ignored interrupt, as from the shell.
	signal.Ignore(os.Interrupt)
	defer signal.Reset(os.Interrupt)
	cmd := exec.Command(os.Args[0], "-test.run=^TestRunStopsOnInterruptWhenStartedIgnoringIt$")
	cmd.Env = append(os.Environ(), "KUMO_TEST_RUN_HELPER=1",
		synth.EnvResult+"="+filepath.Join(root, "doc.json"), synth.EnvRoot+"="+root, synth.EnvStack+"=dev")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	if line, err := bufio.NewReader(out).ReadString('\n'); err != nil || line != "ready\n" {
		t.Fatalf("helper printed %q, %v; want ready", line, err)
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	// The program would sleep for a minute: a bound against a hang, not a
	// timing.
	timer := time.AfterFunc(30*time.Second, func() { cmd.Process.Kill() })
	defer timer.Stop()
	err = cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 130 {
		t.Errorf("program interrupted: %v; want exit status 130", err)
	}
}
