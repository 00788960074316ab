package canarystatus

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// textTime is how the text report shows times: UTC to the second, with a
// space instead of RFC 3339's T so it reads as a date and a time.
const textTime = "2006-01-02 15:04:05Z"

// none marks an empty cell, so columns never collapse.
const none = "—"

// WriteText writes the report for people: per function a line with what its
// alias serves, followed by a table of its newest deployments.
func (r *Report) WriteText(w io.Writer) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "stack %s (project %s", r.Stack, r.Project)
	if r.Region != "" {
		fmt.Fprintf(&b, ", %s", r.Region)
	}
	fmt.Fprintf(&b, "): %s\n", plural(len(r.Functions), "function"))
	if len(r.Functions) == 0 {
		fmt.Fprintf(&b, "no Lambda functions are tagged %s=%s, %s=%s here; is the stack deployed to this region?\n",
			TagProject, r.Project, TagStack, r.Stack)
	}
	for _, f := range r.Functions {
		b.WriteByte('\n')
		writeFunction(&b, f)
	}
	_, err := w.Write(b.Bytes())
	return err
}

func writeFunction(b *bytes.Buffer, f Function) {
	fmt.Fprintf(b, "%s  (%s)  %s\n", f.Name, f.FunctionName, aliasSummary(f.AliasName, f.Alias))
	switch {
	case !f.DeploymentGroupFound:
		fmt.Fprintf(b, "  no deployments yet: deployment group %s/%s does not exist\n", f.Application, f.DeploymentGroup)
		return
	case len(f.Deployments) == 0:
		fmt.Fprintf(b, "  no deployments yet\n")
		return
	}
	tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', 0)
	for _, d := range f.Deployments {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\n",
			cell(d.ID), cell(d.Status), cell(d.Config), textTimeOf(d.Created), took(d), detail(d))
	}
	tw.Flush()
}

// aliasSummary is e.g. "live → version 7   canary: version 8 at 10%".
func aliasSummary(name string, a *Alias) string {
	if a == nil {
		return "no " + name + " alias"
	}
	s := fmt.Sprintf("%s → version %s", a.Name, a.Version)
	if len(a.Routing) > 0 {
		parts := make([]string, len(a.Routing))
		for i, vw := range a.Routing {
			parts[i] = fmt.Sprintf("version %s at %s%%", vw.Version, percent(vw.Weight))
		}
		s += "  canary: " + strings.Join(parts, ", ")
	}
	return s
}

// percent formats a weight as a percentage without float noise: 0.07 → "7".
func percent(w float64) string {
	return strconv.FormatFloat(math.Round(w*10000)/100, 'f', -1, 64)
}

func took(d Deployment) string {
	if d.Completed.IsZero() || d.Created.IsZero() {
		return none
	}
	return "took " + d.Completed.Sub(d.Created).Round(time.Second).String()
}

// detail is how a deployment relates to rollbacks and why it ended as it did.
func detail(d Deployment) string {
	var parts []string
	if r := d.Rollback; r != nil {
		if r.DeploymentID != "" {
			parts = append(parts, "rolled back by "+r.DeploymentID)
		}
		if r.TriggeringDeploymentID != "" {
			parts = append(parts, "rollback of "+r.TriggeringDeploymentID)
		}
	}
	if e := d.Error; e != nil {
		parts = append(parts, strings.TrimPrefix(e.Code+": "+e.Message, ": "))
	}
	if len(parts) == 0 {
		return none
	}
	// AWS messages may hold line breaks and tabs, which would break the table.
	return strings.Join(strings.Fields(strings.Join(parts, "; ")), " ")
}

func textTimeOf(t time.Time) string {
	if t.IsZero() {
		return none
	}
	return t.UTC().Format(textTime)
}

func cell(s string) string {
	if s == "" {
		return none
	}
	return s
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// The JSON contract of `kumo canary status --json`. Field names are stable;
// every field is always present (null when absent) so scripts need not guess,
// and times are RFC 3339 in UTC to the second.
type (
	reportJSON struct {
		Project   string         `json:"project"`
		Stack     string         `json:"stack"`
		Region    string         `json:"region"`
		Functions []functionJSON `json:"functions"`
	}
	functionJSON struct {
		Name                 string           `json:"name"`
		FunctionName         string           `json:"functionName"`
		FunctionARN          string           `json:"functionArn"`
		AliasName            string           `json:"aliasName"`
		Alias                *aliasJSON       `json:"alias"`
		Application          string           `json:"application"`
		DeploymentGroup      string           `json:"deploymentGroup"`
		DeploymentGroupFound bool             `json:"deploymentGroupFound"`
		Deployments          []deploymentJSON `json:"deployments"`
	}
	aliasJSON struct {
		Name    string              `json:"name"`
		Version string              `json:"version"`
		Routing []versionWeightJSON `json:"routing"`
	}
	versionWeightJSON struct {
		Version string  `json:"version"`
		Weight  float64 `json:"weight"`
	}
	deploymentJSON struct {
		ID               string        `json:"id"`
		Status           string        `json:"status"`
		DeploymentConfig string        `json:"deploymentConfig"`
		Creator          string        `json:"creator"`
		CreatedAt        *string       `json:"createdAt"`
		CompletedAt      *string       `json:"completedAt"`
		Error            *errorJSON    `json:"error"`
		Rollback         *rollbackJSON `json:"rollback"`
	}
	errorJSON struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	}
	rollbackJSON struct {
		RollbackDeploymentID           string `json:"rollbackDeploymentId"`
		RollbackTriggeringDeploymentID string `json:"rollbackTriggeringDeploymentId"`
		Message                        string `json:"message"`
	}
)

// JSON returns the report's JSON contract, 2-space indented; it makes the
// report a cli.JSONExporter.
func (r *Report) JSON() ([]byte, error) {
	doc := reportJSON{Project: r.Project, Stack: r.Stack, Region: r.Region, Functions: []functionJSON{}}
	for _, f := range r.Functions {
		fj := functionJSON{
			Name: f.Name, FunctionName: f.FunctionName, FunctionARN: f.FunctionARN, AliasName: f.AliasName,
			Application: f.Application, DeploymentGroup: f.DeploymentGroup, DeploymentGroupFound: f.DeploymentGroupFound,
			Deployments: []deploymentJSON{},
		}
		if a := f.Alias; a != nil {
			fj.Alias = &aliasJSON{Name: a.Name, Version: a.Version, Routing: []versionWeightJSON{}}
			for _, vw := range a.Routing {
				fj.Alias.Routing = append(fj.Alias.Routing, versionWeightJSON(vw))
			}
		}
		for _, d := range f.Deployments {
			dj := deploymentJSON{
				ID: d.ID, Status: d.Status, DeploymentConfig: d.Config, Creator: d.Creator,
				CreatedAt: jsonTime(d.Created), CompletedAt: jsonTime(d.Completed),
			}
			if e := d.Error; e != nil {
				dj.Error = &errorJSON{Code: e.Code, Message: e.Message}
			}
			if rb := d.Rollback; rb != nil {
				dj.Rollback = &rollbackJSON{
					RollbackDeploymentID:           rb.DeploymentID,
					RollbackTriggeringDeploymentID: rb.TriggeringDeploymentID,
					Message:                        rb.Message,
				}
			}
			fj.Deployments = append(fj.Deployments, dj)
		}
		doc.Functions = append(doc.Functions, fj)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("encode status json: %w", err)
	}
	return b.Bytes(), nil
}

func jsonTime(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.UTC().Format(time.RFC3339)
	return &s
}
