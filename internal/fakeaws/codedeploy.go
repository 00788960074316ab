package fakeaws

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

const codeDeployTargetPrefix = "CodeDeploy_20141006."

// Deployment statuses, as CodeDeploy spells them.
const (
	StatusCreated    = "Created"
	StatusInProgress = "InProgress"
	StatusSucceeded  = "Succeeded"
	StatusFailed     = "Failed"
	StatusStopped    = "Stopped"
)

// defaultConfig is the deployment config of a deployment that names none:
// the deployment group's, which for a Lambda group is all-at-once unless
// the group says otherwise.
const defaultConfig = "CodeDeployDefault.LambdaAllAtOnce"

// builtinConfigs are CodeDeploy's predefined Lambda deployment configs.
var builtinConfigs = []string{
	"CodeDeployDefault.LambdaAllAtOnce",
	"CodeDeployDefault.LambdaCanary10Percent5Minutes",
	"CodeDeployDefault.LambdaCanary10Percent10Minutes",
	"CodeDeployDefault.LambdaCanary10Percent15Minutes",
	"CodeDeployDefault.LambdaCanary10Percent30Minutes",
	"CodeDeployDefault.LambdaLinear10PercentEvery1Minute",
	"CodeDeployDefault.LambdaLinear10PercentEvery2Minutes",
	"CodeDeployDefault.LambdaLinear10PercentEvery3Minutes",
	"CodeDeployDefault.LambdaLinear10PercentEvery10Minutes",
}

// failureScript is what the next polls of active deployments run into.
type failureScript struct {
	alarm string // name of an alarm in ALARM state; "" when none
	hook  bool   // hooks report Failed
	hold  bool   // deployments make no progress
}

// deployment is a CodeDeploy deployment of a Lambda alias.
type deployment struct {
	id, app, group, config, description, creator string
	status                                       string
	createTime, completeTime                     time.Time
	content, sha                                 string

	fn, alias, current, target string
	preHook, postHook          string
	// invalid says what is wrong with the AppSpec itself, for which
	// CodeDeploy fails the deployment with INVALID_LAMBDA_CONFIGURATION
	// when it starts; "" when nothing is.
	invalid string

	// steps are the fractions of traffic on the target version, applied one
	// per poll; 0 moves none.
	steps []float64
	// progressed counts the applied steps.
	progressed int

	errCode, errMessage string
	rollback            *rollbackInfo
}

func (d *deployment) active() bool {
	return d.status == StatusCreated || d.status == StatusInProgress
}

// DeploymentState is a deployment as the fake sees it, for assertions.
type DeploymentState struct {
	ID                   string
	ApplicationName      string
	DeploymentGroupName  string
	DeploymentConfigName string
	// Creator is "user" or, for the deployment a rollback made, "autoRollback".
	Creator string
	Status  string
	// FunctionName, AliasName, CurrentVersion and TargetVersion come from
	// the deployment's AppSpec.
	FunctionName, AliasName, CurrentVersion, TargetVersion string
	PreTrafficHook, PostTrafficHook                        string
	// ErrorCode and ErrorMessage are the deployment's ErrorInformation.
	ErrorCode, ErrorMessage string
	// RolledBack is set when an automatic rollback followed the failure.
	RolledBack bool
}

// Deployments lists every deployment, oldest first.
func (s *Server) Deployments() []DeploymentState {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]DeploymentState, len(s.deployments))
	for i, d := range s.deployments {
		out[i] = DeploymentState{
			ID: d.id, ApplicationName: d.app, DeploymentGroupName: d.group,
			DeploymentConfigName: d.config, Creator: d.creator, Status: d.status,
			FunctionName: d.fn, AliasName: d.alias, CurrentVersion: d.current, TargetVersion: d.target,
			PreTrafficHook: d.preHook, PostTrafficHook: d.postHook,
			ErrorCode: d.errCode, ErrorMessage: d.errMessage, RolledBack: d.rollback != nil,
		}
	}
	return out
}

// FailWithAlarm puts the named CloudWatch alarm in ALARM state until
// ClearFailures: at its next poll after starting, every active deployment
// is stopped with ErrorInformation.Code ALARM_ACTIVE naming the alarm, and
// rolled back (the alias serves the deployment's current version again),
// as a deployment group with the alarm and auto-rollback on alarm does.
func (s *Server) FailWithAlarm(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.script.alarm = name
}

// FailHook makes hook functions report Failed until ClearFailures: a
// deployment with a pre-traffic hook (or no hook at all) fails before any
// traffic shifts, one with only a post-traffic hook after all traffic has
// shifted; either fails with HOOK_EXECUTION_FAILURE and is rolled back.
func (s *Server) FailHook() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.script.hook = true
}

// HoldInProgress keeps every active deployment InProgress, without moving
// more traffic, until ClearFailures or StopDeployment: a stuck deployment.
func (s *Server) HoldInProgress() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.script.hold = true
}

// ClearFailures undoes FailWithAlarm, FailHook and HoldInProgress: active
// deployments resume and new ones succeed.
func (s *Server) ClearFailures() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.script = failureScript{}
}

// AddDeploymentConfig registers a custom deployment config, which the fake
// runs as a canary.
func (s *Server) AddDeploymentConfig(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.customConfigs[name] = true
}

// Deployment configs shift in two polls in the fake, whatever their
// percentages and minutes: a canary or linear config puts 10 % of the
// traffic on the target at the first poll and the rest at the second; an
// all-at-once config starts at the first and moves everything at the second.
var (
	canarySteps    = []float64{0.1, 1}
	allAtOnceSteps = []float64{0, 1}
)

func (s *Server) serveCodeDeploy(w http.ResponseWriter, op string, body []byte) {
	switch op {
	case "CreateDeployment":
		s.createDeployment(w, body)
	case "GetDeployment":
		var in struct {
			DeploymentID string `json:"deploymentId"`
		}
		if !decodeCodeDeploy(w, body, &in) {
			return
		}
		d := s.findDeployment(w, in.DeploymentID)
		if d == nil {
			return
		}
		s.advance(d)
		writeJSON11(w, map[string]any{"deploymentInfo": s.info(d)})
	case "BatchGetDeployments":
		var in struct {
			DeploymentIDs []string `json:"deploymentIds"`
		}
		if !decodeCodeDeploy(w, body, &in) {
			return
		}
		infos := []deploymentInfo{}
		for _, id := range in.DeploymentIDs {
			if d := s.deployment(id); d != nil {
				infos = append(infos, s.info(d))
			}
		}
		writeJSON11(w, map[string]any{"deploymentsInfo": infos})
	case "ListDeployments":
		s.listDeployments(w, body)
	case "StopDeployment":
		s.stopDeployment(w, body)
	default:
		writeCodeDeployError(w, "UnknownOperationException", "fakeaws does not implement CodeDeploy "+op)
	}
}

// appSpec is the JSON AppSpec of a Lambda deployment.
type appSpec struct {
	Resources []map[string]struct {
		Type       string `json:"Type"`
		Properties struct {
			Name           string `json:"Name"`
			Alias          string `json:"Alias"`
			CurrentVersion string `json:"CurrentVersion"`
			TargetVersion  string `json:"TargetVersion"`
		} `json:"Properties"`
	} `json:"Resources"`
	Hooks []map[string]string `json:"Hooks"`
}

func (s *Server) createDeployment(w http.ResponseWriter, body []byte) {
	var in struct {
		ApplicationName      string `json:"applicationName"`
		DeploymentGroupName  string `json:"deploymentGroupName"`
		DeploymentConfigName string `json:"deploymentConfigName"`
		Description          string `json:"description"`
		Revision             *struct {
			RevisionType   string `json:"revisionType"`
			AppSpecContent *struct {
				Content string `json:"content"`
				Sha256  string `json:"sha256"`
			} `json:"appSpecContent"`
		} `json:"revision"`
	}
	if !decodeCodeDeploy(w, body, &in) {
		return
	}
	switch {
	case in.ApplicationName == "":
		writeCodeDeployError(w, "ApplicationNameRequiredException", "The minimum number of required application names was not specified.")
		return
	case in.DeploymentGroupName == "":
		writeCodeDeployError(w, "DeploymentGroupNameRequiredException", "The deployment group name was not specified.")
		return
	case in.Revision == nil:
		writeCodeDeployError(w, "RevisionRequiredException", "The revision ID was not specified.")
		return
	case in.Revision.RevisionType != "AppSpecContent" || in.Revision.AppSpecContent == nil:
		writeCodeDeployError(w, "InvalidRevisionException", "fakeaws supports only AppSpecContent revisions, got revisionType "+in.Revision.RevisionType)
		return
	}
	config := in.DeploymentConfigName
	if config == "" {
		config = defaultConfig
	}
	if !slices.Contains(builtinConfigs, config) && !s.customConfigs[config] {
		writeCodeDeployError(w, "DeploymentConfigDoesNotExistException", "No deployment configuration found for name: "+config)
		return
	}
	content := in.Revision.AppSpecContent.Content
	sum := sha256.Sum256([]byte(content))
	if sha := in.Revision.AppSpecContent.Sha256; sha != "" && !strings.EqualFold(sha, hex.EncodeToString(sum[:])) {
		writeCodeDeployError(w, "InvalidRevisionException", "The SHA256 of the AppSpec content does not match the sha256 given in the revision.")
		return
	}
	var spec appSpec
	if err := json.Unmarshal([]byte(content), &spec); err != nil {
		writeCodeDeployError(w, "InvalidRevisionException", "The AppSpec content is not valid JSON (fakeaws reads only JSON): "+err.Error())
		return
	}
	for _, d := range s.deployments {
		if d.app == in.ApplicationName && d.group == in.DeploymentGroupName && d.active() {
			writeCodeDeployError(w, "DeploymentLimitExceededException",
				fmt.Sprintf("The Deployment Group '%s' already has an active Deployment '%s'", d.group, d.id))
			return
		}
	}
	d := &deployment{
		id: s.newDeploymentID(), app: in.ApplicationName, group: in.DeploymentGroupName,
		config: config, description: in.Description, creator: "user",
		status: StatusCreated, createTime: s.now(),
		content: content, sha: hex.EncodeToString(sum[:]),
		steps: canarySteps,
	}
	if config == "CodeDeployDefault.LambdaAllAtOnce" {
		d.steps = allAtOnceSteps
	}
	d.invalid = s.readAppSpec(d, spec)
	s.deployments = append(s.deployments, d)
	writeJSON11(w, map[string]string{"deploymentId": d.id})
}

// readAppSpec fills the deployment from its AppSpec and returns what
// CodeDeploy will find wrong with it once the deployment starts.
func (s *Server) readAppSpec(d *deployment, spec appSpec) string {
	for _, h := range spec.Hooks {
		for event, fn := range h {
			switch event {
			case "BeforeAllowTraffic":
				d.preHook = fn
			case "AfterAllowTraffic":
				d.postHook = fn
			}
		}
	}
	var found int
	for _, res := range spec.Resources {
		for _, r := range res {
			if r.Type != "AWS::Lambda::Function" {
				continue
			}
			found++
			p := r.Properties
			d.fn, d.alias, d.current, d.target = p.Name, p.Alias, p.CurrentVersion, p.TargetVersion
		}
	}
	if found != 1 {
		return fmt.Sprintf("The AppSpec file must have exactly one AWS::Lambda::Function resource, found %d.", found)
	}
	for _, hook := range []string{d.preHook, d.postHook} {
		if hook != "" && s.functions[hook] == nil {
			return fmt.Sprintf("The Lambda function %s of a lifecycle event hook was not found.", hook)
		}
	}
	return ""
}

// checkLambda returns why the deployment's function, alias and versions do
// not fit its AppSpec, or "" when they do.
func (s *Server) checkLambda(d *deployment) string {
	f := s.functions[d.fn]
	switch {
	case f == nil:
		return fmt.Sprintf("The Lambda function %s was not found.", d.fn)
	case f.aliases[d.alias] == nil:
		return fmt.Sprintf("The alias %s of Lambda function %s was not found.", d.alias, d.fn)
	case f.version(d.current) == nil:
		return fmt.Sprintf("The current version %s of Lambda function %s was not found.", d.current, d.fn)
	case f.version(d.target) == nil:
		return fmt.Sprintf("The target version %s of Lambda function %s was not found.", d.target, d.fn)
	case f.aliases[d.alias].version != d.current || len(f.aliases[d.alias].weights) > 0:
		return "The Lambda function alias version does not match the current version in AppSpec file."
	}
	return ""
}

func (s *Server) newDeploymentID() string {
	s.nextDeployment++
	return fmt.Sprintf("d-FAKE%05d", s.nextDeployment)
}

func (s *Server) deployment(id string) *deployment {
	for _, d := range s.deployments {
		if d.id == id {
			return d
		}
	}
	return nil
}

func (s *Server) findDeployment(w http.ResponseWriter, id string) *deployment {
	if id == "" {
		writeCodeDeployError(w, "DeploymentIdRequiredException", "At least one deployment ID must be specified.")
		return nil
	}
	d := s.deployment(id)
	if d == nil {
		writeCodeDeployError(w, "DeploymentDoesNotExistException", fmt.Sprintf("The deployment %s could not be found.", id))
	}
	return d
}

const invalidLambdaConfig = "The deployment failed because the AppSpec file that specifies the AWS Lambda deployment configuration is missing or has an invalid configuration."

// advance moves an active deployment one step, as time passing between two
// polls would. Only GetDeployment advances deployments: it is what a
// release polls while it follows one.
func (s *Server) advance(d *deployment) {
	if !d.active() {
		return
	}
	if s.script.hold {
		d.status = StatusInProgress
		return
	}
	f := s.functions[d.fn]
	if d.progressed == 0 {
		// Starting: CodeDeploy checks the function against the AppSpec.
		why := d.invalid
		if why == "" {
			why = s.checkLambda(d)
		}
		if why != "" {
			s.fail(d, StatusFailed, "INVALID_LAMBDA_CONFIGURATION", invalidLambdaConfig+" "+why, false)
			return
		}
		d.status = StatusInProgress
		if d.current == d.target {
			if d.config != "CodeDeployDefault.LambdaAllAtOnce" {
				// All CodeDeploy says when a canary or linear deployment
				// has nothing to shift.
				s.fail(d, StatusFailed, "INVALID_LAMBDA_CONFIGURATION", invalidLambdaConfig, false)
				return
			}
			s.finish(d)
			return
		}
		if s.script.hook && (d.preHook != "" || d.postHook == "") {
			s.fail(d, StatusFailed, "HOOK_EXECUTION_FAILURE", hookMessage("BeforeAllowTraffic", d.preHook), true)
			return
		}
	} else if s.script.alarm != "" {
		s.fail(d, StatusStopped, "ALARM_ACTIVE",
			"One or more alarms have been activated according to the Amazon CloudWatch metrics you selected, and the affected deployments have been stopped. Activated alarms: "+s.script.alarm,
			true)
		return
	}
	var a *alias
	if f != nil {
		a = f.aliases[d.alias]
	}
	if a == nil {
		s.fail(d, StatusFailed, "INVALID_LAMBDA_CONFIGURATION", invalidLambdaConfig+" The alias "+d.alias+" was deleted.", false)
		return
	}
	step := d.steps[d.progressed]
	d.progressed++
	switch {
	case step >= 1:
		a.version, a.weights = d.target, nil
		a.revisionID = s.revision()
		if s.script.hook && d.postHook != "" && d.preHook == "" {
			s.fail(d, StatusFailed, "HOOK_EXECUTION_FAILURE", hookMessage("AfterAllowTraffic", d.postHook), true)
			return
		}
		s.finish(d)
	case step > 0:
		a.version, a.weights = d.current, map[string]float64{d.target: step}
		a.revisionID = s.revision()
	}
}

func hookMessage(event, fn string) string {
	if fn == "" {
		return fmt.Sprintf("The deployment failed because the %s lifecycle event hook reported Failed.", event)
	}
	return fmt.Sprintf("The deployment failed because the %s lifecycle event hook function %s reported Failed.", event, fn)
}

func (s *Server) finish(d *deployment) {
	d.status, d.completeTime = StatusSucceeded, s.now()
}

// fail ends the deployment; with rollBack it restores the alias to the
// current version through a rollback deployment, as a group with
// auto-rollback does.
func (s *Server) fail(d *deployment, status, code, msg string, rollBack bool) {
	d.status, d.errCode, d.errMessage, d.completeTime = status, code, msg, s.now()
	if !rollBack {
		return
	}
	if f := s.functions[d.fn]; f != nil && f.aliases[d.alias] != nil {
		a := f.aliases[d.alias]
		a.version, a.weights, a.revisionID = d.current, nil, s.revision()
	}
	rb := &deployment{
		id: s.newDeploymentID(), app: d.app, group: d.group, config: d.config,
		description: "Rollback of " + d.id, creator: "autoRollback",
		status: StatusSucceeded, createTime: s.now(), completeTime: s.now(),
		content: d.content, sha: d.sha,
		fn: d.fn, alias: d.alias, current: d.target, target: d.current,
		rollback: &rollbackInfo{RollbackTriggeringDeploymentID: d.id},
	}
	s.deployments = append(s.deployments, rb)
	d.rollback = &rollbackInfo{
		RollbackDeploymentID: rb.id,
		RollbackMessage:      fmt.Sprintf("Deployment %s was rolled back by deployment %s: alias %s serves version %s again", d.id, rb.id, d.alias, d.current),
	}
}

func (s *Server) listDeployments(w http.ResponseWriter, body []byte) {
	var in struct {
		ApplicationName     string   `json:"applicationName"`
		DeploymentGroupName string   `json:"deploymentGroupName"`
		IncludeOnlyStatuses []string `json:"includeOnlyStatuses"`
	}
	if !decodeCodeDeploy(w, body, &in) {
		return
	}
	if in.DeploymentGroupName != "" && in.ApplicationName == "" {
		writeCodeDeployError(w, "ApplicationNameRequiredException", "If you specify a deployment group name, you must also specify an application name.")
		return
	}
	ids := []string{}
	for i := len(s.deployments) - 1; i >= 0; i-- { // newest first
		d := s.deployments[i]
		switch {
		case in.ApplicationName != "" && d.app != in.ApplicationName,
			in.DeploymentGroupName != "" && d.group != in.DeploymentGroupName,
			len(in.IncludeOnlyStatuses) > 0 && !slices.Contains(in.IncludeOnlyStatuses, d.status):
			continue
		}
		ids = append(ids, d.id)
	}
	writeJSON11(w, map[string]any{"deployments": ids})
}

func (s *Server) stopDeployment(w http.ResponseWriter, body []byte) {
	var in struct {
		DeploymentID        string `json:"deploymentId"`
		AutoRollbackEnabled *bool  `json:"autoRollbackEnabled"`
	}
	if !decodeCodeDeploy(w, body, &in) {
		return
	}
	d := s.findDeployment(w, in.DeploymentID)
	if d == nil {
		return
	}
	if !d.active() {
		writeCodeDeployError(w, "DeploymentAlreadyCompletedException", fmt.Sprintf("The deployment %s has already completed.", d.id))
		return
	}
	// A stop by a user carries no ErrorInformation; the group's
	// auto-rollback (or the request's override) decides the rollback.
	rollBack := in.AutoRollbackEnabled == nil || *in.AutoRollbackEnabled
	s.fail(d, StatusStopped, "", "", rollBack)
	writeJSON11(w, map[string]string{"status": "Succeeded", "statusMessage": "Deployment " + d.id + " stopped"})
}

type errorInformation struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

type rollbackInfo struct {
	RollbackDeploymentID           string `json:"rollbackDeploymentId,omitempty"`
	RollbackTriggeringDeploymentID string `json:"rollbackTriggeringDeploymentId,omitempty"`
	RollbackMessage                string `json:"rollbackMessage,omitempty"`
}

type deploymentInfo struct {
	ApplicationName      string            `json:"applicationName"`
	DeploymentGroupName  string            `json:"deploymentGroupName"`
	DeploymentConfigName string            `json:"deploymentConfigName"`
	DeploymentID         string            `json:"deploymentId"`
	Status               string            `json:"status"`
	Description          string            `json:"description,omitempty"`
	Creator              string            `json:"creator"`
	ComputePlatform      string            `json:"computePlatform"`
	CreateTime           float64           `json:"createTime"`
	CompleteTime         *float64          `json:"completeTime,omitempty"`
	ErrorInformation     *errorInformation `json:"errorInformation,omitempty"`
	RollbackInfo         *rollbackInfo     `json:"rollbackInfo,omitempty"`
	Revision             map[string]any    `json:"revision"`
}

func epochSeconds(t time.Time) float64 { return float64(t.UnixMilli()) / 1000 }

func (s *Server) info(d *deployment) deploymentInfo {
	info := deploymentInfo{
		ApplicationName:      d.app,
		DeploymentGroupName:  d.group,
		DeploymentConfigName: d.config,
		DeploymentID:         d.id,
		Status:               d.status,
		Description:          d.description,
		Creator:              d.creator,
		ComputePlatform:      "Lambda",
		CreateTime:           epochSeconds(d.createTime),
		RollbackInfo:         d.rollback,
		Revision: map[string]any{
			"revisionType":   "AppSpecContent",
			"appSpecContent": map[string]string{"content": d.content, "sha256": d.sha},
		},
	}
	if !d.completeTime.IsZero() {
		t := epochSeconds(d.completeTime)
		info.CompleteTime = &t
	}
	if d.errCode != "" || d.errMessage != "" {
		info.ErrorInformation = &errorInformation{Code: d.errCode, Message: d.errMessage}
	}
	return info
}

func decodeCodeDeploy(w http.ResponseWriter, body []byte, v any) bool {
	if err := json.Unmarshal(body, v); err != nil {
		writeCodeDeployError(w, "SerializationException", "could not parse request body: "+err.Error())
		return false
	}
	return true
}

// writeCodeDeployError writes a JSON 1.1 error: status 400 and the error
// type in the body's __type, from which the SDK builds its typed errors.
func writeCodeDeployError(w http.ResponseWriter, errType, msg string) {
	b, _ := json.Marshal(map[string]string{"__type": errType, "message": msg})
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-Requestid", "fakeaws")
	w.WriteHeader(http.StatusBadRequest)
	_, _ = w.Write(b)
}

func writeJSON11(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeCodeDeployError(w, "InternalFailure", "fakeaws: marshal response: "+err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-Requestid", "fakeaws")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}
