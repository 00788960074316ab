package check

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Formats kumo check writes a report in.
const (
	FormatText  = "text"
	FormatJSON  = "json"
	FormatSARIF = "sarif"
)

// Formats lists them, for flag help and errors.
var Formats = []string{FormatText, FormatJSON, FormatSARIF}

// WriteText writes the report for people: a summary line, then each
// unsuppressed finding with where it was made and how to fix it, then the
// suppressions that matched nothing.
func WriteText(w io.Writer, rep *Report, stack string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "kumo check: stack %s: %d rules over %d resources: %s, %s, %d suppressed\n",
		stack, rep.Rules, rep.Resources, plural(rep.Errors(), "error"), plural(rep.Warnings(), "warning"), rep.SuppressedCount)
	for _, f := range rep.Findings {
		writeFinding(&b, f)
	}
	for _, s := range rep.Unused {
		b.WriteString(s.UnusedLine() + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// UnusedLine says that s matched no finding, for the text report and
// kumo synth's stderr.
func (s Suppression) UnusedLine() string {
	line := fmt.Sprintf("unused suppression (%s): %s on %s", s.From, s.Rule, s.Resource)
	if s.Finding != "" {
		line += " [" + s.Finding + "]"
	}
	return line + " matches no finding; delete it"
}

// WriteFindings writes findings the way WriteText does, without the summary.
func WriteFindings(w io.Writer, fs []Finding) error {
	var b strings.Builder
	for _, f := range fs {
		writeFinding(&b, f)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeFinding(b *strings.Builder, f Finding) {
	fmt.Fprintf(b, "%-7s %s  %s %s", f.Level, f.ID(), f.Type, f.Name)
	var where []string
	if f.Site != nil {
		where = append(where, fmt.Sprintf("%s:%d", f.Site.File, f.Site.Line))
	}
	if f.Construct != "" {
		where = append(where, "in "+shortURN(f.Construct))
	}
	if len(where) > 0 {
		fmt.Fprintf(b, " (%s)", strings.Join(where, ", "))
	}
	b.WriteString("\n")
	r, _ := RuleByID(f.Rule)
	fmt.Fprintf(b, "        %s\n", r.What)
	if f.Message != "" {
		fmt.Fprintf(b, "        %s\n", f.Message)
	}
	fmt.Fprintf(b, "        fix: %s\n", r.Fix)
}

// shortURN is a URN's type and name.
func shortURN(urn string) string {
	parts := strings.Split(urn, "::")
	if len(parts) < 4 {
		return urn
	}
	typ := parts[len(parts)-2]
	if i := strings.LastIndex(typ, "$"); i >= 0 {
		typ = typ[i+1:]
	}
	return typ + " " + parts[len(parts)-1]
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// JSON renders the report as indented JSON with a trailing newline.
func JSON(rep *Report) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(rep); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// SARIF 2.1.0, the subset code-scanning UIs read (GitHub's "SARIF support
// for code scanning"): every rule with its descriptions, help and level;
// every finding, suppressed ones with their justification, located where
// the program created the resource.

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool              sarifTool                `json:"tool"`
	AutomationDetails sarifAutomation          `json:"automationDetails"`
	OriginalURIBaseID map[string]sarifArtifact `json:"originalUriBaseIds,omitempty"`
	Results           []sarifResult            `json:"results"`
}

type sarifAutomation struct {
	ID string `json:"id"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifRule struct {
	ID                   string          `json:"id"`
	ShortDescription     sarifText       `json:"shortDescription"`
	FullDescription      sarifText       `json:"fullDescription"`
	Help                 sarifText       `json:"help"`
	DefaultConfiguration sarifConfig     `json:"defaultConfiguration"`
	Properties           sarifProperties `json:"properties"`
}

type sarifConfig struct {
	Level string `json:"level"`
}

type sarifProperties struct {
	Tags []string `json:"tags"`
}

type sarifResult struct {
	RuleID              string             `json:"ruleId"`
	RuleIndex           int                `json:"ruleIndex"`
	Level               string             `json:"level"`
	Message             sarifText          `json:"message"`
	Locations           []sarifLocation    `json:"locations"`
	PartialFingerprints map[string]string  `json:"partialFingerprints"`
	Suppressions        []sarifSuppression `json:"suppressions,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical  `json:"physicalLocation"`
	LogicalLocations []sarifLogical `json:"logicalLocations,omitempty"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           sarifRegion   `json:"region"`
}

type sarifArtifact struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId,omitempty"`
}

type sarifRegion struct {
	StartLine int `json:"startLine"`
}

type sarifLogical struct {
	FullyQualifiedName string `json:"fullyQualifiedName"`
	Kind               string `json:"kind"`
}

type sarifSuppression struct {
	Kind          string `json:"kind"`
	Justification string `json:"justification"`
}

// SARIF renders the report of stack as a SARIF 2.1.0 log. root is the
// project directory, the base of the sites' relative paths; findings
// without a known site are located in the stack's config file. Each stack
// is its own analysis category, so uploading one stack's results does not
// close another's alerts.
func SARIF(rep *Report, root, stack string) ([]byte, error) {
	stackFile := "Pulumi." + stack + ".yaml"
	rules := Rules()
	index := map[string]int{}
	run := sarifRun{
		Tool:              sarifTool{Driver: sarifDriver{Name: "kumo check", InformationURI: "https://github.com/kumo-iac/kumo#kumo-check"}},
		AutomationDetails: sarifAutomation{ID: "kumo-check/" + stack + "/"},
		Results:           []sarifResult{},
	}
	if root != "" {
		run.OriginalURIBaseID = map[string]sarifArtifact{"PROJECTROOT": {URI: "file://" + strings.TrimSuffix(root, "/") + "/"}}
	}
	for i, r := range rules {
		index[r.ID] = i
		pack, _, _ := strings.Cut(r.ID, "-")
		run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarifRule{
			ID:                   r.ID,
			ShortDescription:     sarifText{Text: r.What},
			FullDescription:      sarifText{Text: r.Why},
			Help:                 sarifText{Text: r.Fix},
			DefaultConfiguration: sarifConfig{Level: string(r.Level)},
			Properties:           sarifProperties{Tags: []string{"security", pack}},
		})
	}
	add := func(f Finding) {
		res := sarifResult{
			RuleID: f.Rule, RuleIndex: index[f.Rule], Level: string(f.Level),
			Message: sarifText{Text: fmt.Sprintf("%s %s: %s", f.Type, f.Name, strings.TrimSpace(f.Message))},
			Locations: []sarifLocation{{
				PhysicalLocation: sarifPhysical{ArtifactLocation: sarifArtifact{URI: stackFile, URIBaseID: "PROJECTROOT"}, Region: sarifRegion{StartLine: 1}},
				LogicalLocations: []sarifLogical{{FullyQualifiedName: f.URN, Kind: "resource"}},
			}},
			// Stable across edits that move the line: the finding itself.
			PartialFingerprints: map[string]string{"kumoFinding/v1": fingerprint(f)},
		}
		if f.Construct != "" {
			// The kumo construct holding the resource.
			res.Locations[0].LogicalLocations = append(res.Locations[0].LogicalLocations, sarifLogical{FullyQualifiedName: f.Construct, Kind: "module"})
		}
		if f.Site != nil {
			loc := &res.Locations[0].PhysicalLocation
			loc.ArtifactLocation = sarifArtifact{URI: f.Site.File}
			if !strings.Contains(f.Site.File, "@") && !strings.HasPrefix(f.Site.File, "/") {
				loc.ArtifactLocation.URIBaseID = "PROJECTROOT"
			}
			loc.Region.StartLine = f.Site.Line
		}
		if s := f.Suppression; s != nil {
			kind := "inSource"
			if s.From == "config" {
				kind = "external"
			}
			res.Suppressions = []sarifSuppression{{Kind: kind, Justification: s.Reason}}
		}
		run.Results = append(run.Results, res)
	}
	for _, f := range rep.Findings {
		add(f)
	}
	for _, f := range rep.Suppressed {
		add(f)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	err := enc.Encode(sarifLog{Schema: "https://json.schemastore.org/sarif-2.1.0.json", Version: "2.1.0", Runs: []sarifRun{run}})
	return buf.Bytes(), err
}

// fingerprint identifies a finding across runs: rule, resource and detail.
func fingerprint(f Finding) string {
	sum := sha256.Sum256([]byte(f.Rule + "\x00" + f.URN + "\x00" + f.Detail))
	return hex.EncodeToString(sum[:16])
}
