package checkcmd

import (
	"bytes"
	"strings"
	"testing"

	"github.com/kumo-iac/kumo/internal/synth"
)

// TestReportForSynthWithoutReport: a program built with a kumo module older
// than kumo check made no report; kumo synth notes it and goes on.
func TestReportForSynthWithoutReport(t *testing.T) {
	var buf bytes.Buffer
	if err := ReportForSynth(&buf, &synth.Result{Stack: "dev"}); err != nil {
		t.Fatalf("synth of an older program failed: %v", err)
	}
	if !strings.Contains(buf.String(), "kumo check did not run") {
		t.Errorf("stderr %q; want a note that the checks did not run", buf.String())
	}
}
