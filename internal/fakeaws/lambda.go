package fakeaws

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// function is a Lambda function: its $LATEST, its published versions and
// its aliases.
type function struct {
	name string
	// codeSha256 and configRevision describe $LATEST; PublishVersion makes a
	// new version only when one of them differs from the last version's.
	codeSha256     string
	configRevision string
	// lastUpdateStatus is Successful, InProgress or Failed.
	lastUpdateStatus string
	revisionID       string
	versions         []*version // versions[i] is version i+1
	aliases          map[string]*alias
}

type version struct {
	number         int
	codeSha256     string
	configRevision string
	description    string
	revisionID     string
}

type alias struct {
	name        string
	version     string
	description string
	weights     map[string]float64
	revisionID  string
}

// AliasState is what an alias serves, for assertions.
type AliasState struct {
	// Version is the alias's primary version.
	Version string
	// Weights is its routing config (version → fraction of traffic); nil
	// when the alias sends everything to Version.
	Weights map[string]float64
	// RevisionID changes with every update of the alias.
	RevisionID string
}

func (s *Server) revision() string {
	s.gen++
	return fmt.Sprintf("%08x-fa4e-4a05-8000-%012x", s.gen, s.gen)
}

// SetFunction creates the function, or replaces its $LATEST code hash and
// configuration revision. configRevision stands for everything Lambda copies
// into a version besides the code (runtime, memory, environment, …): any
// change of it makes the next PublishVersion publish a new version.
func (s *Server) SetFunction(name, codeSha256, configRevision string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.functions[name]
	if f == nil {
		f = &function{name: name, aliases: map[string]*alias{}}
		s.functions[name] = f
	}
	f.codeSha256, f.configRevision = codeSha256, configRevision
	f.lastUpdateStatus = "Successful"
	f.revisionID = s.revision()
}

// UpdateFunction changes $LATEST of an existing function as an
// UpdateFunctionCode or UpdateFunctionConfiguration call would: a non-empty
// codeSha256 replaces the code; an empty one makes a configuration-only
// change (say, a new environment variable), which still makes the next
// PublishVersion publish a new version.
func (s *Server) UpdateFunction(name, codeSha256 string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.functions[name]
	if f == nil {
		return fmt.Errorf("fakeaws: function %s does not exist; create it with SetFunction", name)
	}
	if codeSha256 != "" {
		f.codeSha256 = codeSha256
	} else {
		f.configRevision = fmt.Sprintf("%s+%d", f.configRevision, s.gen+1)
	}
	f.revisionID = s.revision()
	return nil
}

// DeleteFunction deletes the function with its versions and aliases, as
// someone with the console might.
func (s *Server) DeleteFunction(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.functions, name)
}

// SetLastUpdateStatus sets the function's LastUpdateStatus (Successful,
// InProgress or Failed). While it is InProgress, PublishVersion fails with a
// ResourceConflictException, as Lambda's does during an update.
func (s *Server) SetLastUpdateStatus(name, status string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.functions[name]
	if f == nil {
		return fmt.Errorf("fakeaws: function %s does not exist; create it with SetFunction", name)
	}
	f.lastUpdateStatus = status
	return nil
}

// SetAlias creates or moves an alias outside of any API call, as a person
// with the console would; nothing is recorded. The version and every
// weighted version must be published.
func (s *Server) SetAlias(fn, name, version string, weights map[string]float64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.functions[fn]
	if f == nil {
		return fmt.Errorf("fakeaws: function %s does not exist", fn)
	}
	for _, v := range append(slices.Collect(maps.Keys(weights)), version) {
		if f.version(v) == nil {
			return fmt.Errorf("fakeaws: function %s has no version %s", fn, v)
		}
	}
	a := f.aliases[name]
	if a == nil {
		a = &alias{name: name}
		f.aliases[name] = a
	}
	a.version, a.weights, a.revisionID = version, maps.Clone(weights), s.revision()
	return nil
}

// DeleteAlias deletes an alias outside of any API call, as a person with
// the console would; nothing is recorded.
func (s *Server) DeleteAlias(fn, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f := s.functions[fn]; f != nil {
		delete(f.aliases, name)
	}
}

// Alias reports what an alias serves; ok is false when it does not exist.
func (s *Server) Alias(fn, name string) (st AliasState, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.functions[fn]
	if f == nil || f.aliases[name] == nil {
		return AliasState{}, false
	}
	a := f.aliases[name]
	return AliasState{Version: a.version, Weights: maps.Clone(a.weights), RevisionID: a.revisionID}, true
}

// Versions lists the function's published version numbers, oldest first.
func (s *Server) Versions(fn string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.functions[fn]
	if f == nil {
		return nil
	}
	out := make([]string, len(f.versions))
	for i, v := range f.versions {
		out[i] = strconv.Itoa(v.number)
	}
	return out
}

func (f *function) version(v string) *version {
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > len(f.versions) {
		return nil
	}
	return f.versions[n-1]
}

// lambdaRoute maps a request under /2015-03-31/functions/ to its operation.
func lambdaRoute(method, rest string) (op, fn, aliasName string) {
	parts := strings.Split(rest, "/")
	fn = parts[0]
	if i := strings.LastIndex(fn, ":function:"); i >= 0 { // an ARN
		fn = fn[i+len(":function:"):]
	}
	switch {
	case len(parts) == 2 && parts[1] == "configuration" && method == http.MethodGet:
		op = "GetFunctionConfiguration"
	case len(parts) == 2 && parts[1] == "versions" && method == http.MethodPost:
		op = "PublishVersion"
	case len(parts) == 2 && parts[1] == "versions" && method == http.MethodGet:
		op = "ListVersionsByFunction"
	case len(parts) == 2 && parts[1] == "aliases" && method == http.MethodPost:
		op = "CreateAlias"
	case len(parts) == 2 && parts[1] == "aliases" && method == http.MethodGet:
		op = "ListAliases"
	case len(parts) == 3 && parts[1] == "aliases":
		aliasName = parts[2]
		switch method {
		case http.MethodGet:
			op = "GetAlias"
		case http.MethodPut:
			op = "UpdateAlias"
		case http.MethodDelete:
			op = "DeleteAlias"
		}
	}
	return op, fn, aliasName
}

// functionConfiguration is Lambda's FunctionConfiguration, as much of it as
// a release reads.
type functionConfiguration struct {
	FunctionName     string `json:"FunctionName"`
	FunctionArn      string `json:"FunctionArn"`
	Version          string `json:"Version"`
	CodeSha256       string `json:"CodeSha256"`
	Description      string `json:"Description"`
	RevisionID       string `json:"RevisionId"`
	Runtime          string `json:"Runtime"`
	Handler          string `json:"Handler"`
	PackageType      string `json:"PackageType"`
	LastModified     string `json:"LastModified"`
	State            string `json:"State"`
	LastUpdateStatus string `json:"LastUpdateStatus"`
}

type routingConfig struct {
	AdditionalVersionWeights map[string]float64 `json:"AdditionalVersionWeights"`
}

type aliasConfiguration struct {
	AliasArn        string         `json:"AliasArn"`
	Name            string         `json:"Name"`
	FunctionVersion string         `json:"FunctionVersion"`
	Description     string         `json:"Description"`
	RoutingConfig   *routingConfig `json:"RoutingConfig,omitempty"`
	RevisionID      string         `json:"RevisionId"`
}

func functionArn(region, fn string) string {
	return fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", region, Account, fn)
}

func (s *Server) serveLambda(w http.ResponseWriter, r *http.Request, op, fn, aliasName, region string, body []byte) {
	if op == "" {
		writeLambdaError(w, http.StatusNotFound, "UnknownOperationException",
			fmt.Sprintf("fakeaws does not implement Lambda %s %s", r.Method, r.URL.Path))
		return
	}
	f := s.functions[fn]
	if f == nil {
		writeLambdaError(w, http.StatusNotFound, "ResourceNotFoundException",
			"Function not found: "+functionArn(region, fn))
		return
	}
	switch op {
	case "GetFunctionConfiguration":
		s.getFunctionConfiguration(w, f, r.URL.Query(), region)
	case "PublishVersion":
		s.publishVersion(w, f, region, body)
	case "ListVersionsByFunction":
		s.listVersions(w, f, region)
	case "CreateAlias":
		s.createAlias(w, f, region, body)
	case "ListAliases":
		s.listAliases(w, f, region)
	case "GetAlias":
		a := f.aliases[aliasName]
		if a == nil {
			writeLambdaError(w, http.StatusNotFound, "ResourceNotFoundException",
				"Alias not found: "+functionArn(region, fn)+":"+aliasName)
			return
		}
		writeJSON(w, http.StatusOK, aliasConfig(region, f, a))
	case "UpdateAlias":
		s.updateAlias(w, f, aliasName, region, body)
	case "DeleteAlias":
		// Lambda answers 204 for an alias that does not exist, too.
		delete(f.aliases, aliasName)
		w.WriteHeader(http.StatusNoContent)
	}
}

func (s *Server) config(f *function, v *version, region string) functionConfiguration {
	c := functionConfiguration{
		FunctionName:     f.name,
		FunctionArn:      functionArn(region, f.name),
		Version:          "$LATEST",
		CodeSha256:       f.codeSha256,
		RevisionID:       f.revisionID,
		Runtime:          "provided.al2023",
		Handler:          "bootstrap",
		PackageType:      "Zip",
		LastModified:     s.now().UTC().Format("2006-01-02T15:04:05.000-0700"),
		State:            "Active",
		LastUpdateStatus: f.lastUpdateStatus,
	}
	if v != nil {
		c.FunctionArn += ":" + strconv.Itoa(v.number)
		c.Version = strconv.Itoa(v.number)
		c.CodeSha256, c.Description, c.RevisionID = v.codeSha256, v.description, v.revisionID
		c.LastUpdateStatus = "Successful"
	}
	return c
}

func (s *Server) getFunctionConfiguration(w http.ResponseWriter, f *function, q url.Values, region string) {
	var v *version
	switch qual := q.Get("Qualifier"); {
	case qual == "" || qual == "$LATEST":
	case f.aliases[qual] != nil:
		v = f.version(f.aliases[qual].version)
	default:
		if v = f.version(qual); v == nil {
			writeLambdaError(w, http.StatusNotFound, "ResourceNotFoundException",
				"Function not found: "+functionArn(region, f.name)+":"+qual)
			return
		}
	}
	writeJSON(w, http.StatusOK, s.config(f, v, region))
}

func (s *Server) publishVersion(w http.ResponseWriter, f *function, region string, body []byte) {
	var in struct {
		CodeSha256  string `json:"CodeSha256"`
		Description string `json:"Description"`
		RevisionID  string `json:"RevisionId"`
	}
	if !decodeLambda(w, body, &in) {
		return
	}
	switch {
	case f.lastUpdateStatus == "InProgress":
		writeLambdaError(w, http.StatusConflict, "ResourceConflictException",
			"The operation cannot be performed at this time. An update is in progress for resource: "+functionArn(region, f.name))
		return
	case in.CodeSha256 != "" && in.CodeSha256 != f.codeSha256:
		writeLambdaError(w, http.StatusBadRequest, "InvalidParameterValueException",
			fmt.Sprintf("CodeSHA256 (%s) is different from current CodeSHA256 in $LATEST (%s). Please try again with the CodeSHA256 in $LATEST.", in.CodeSha256, f.codeSha256))
		return
	case in.RevisionID != "" && in.RevisionID != f.revisionID:
		writeLambdaError(w, http.StatusPreconditionFailed, "PreconditionFailedException",
			"The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id")
		return
	}
	// Lambda publishes nothing when neither code nor configuration changed
	// since the last version, and returns that version instead.
	if n := len(f.versions); n > 0 {
		last := f.versions[n-1]
		if last.codeSha256 == f.codeSha256 && last.configRevision == f.configRevision {
			writeJSON(w, http.StatusCreated, s.config(f, last, region))
			return
		}
	}
	v := &version{
		number:         len(f.versions) + 1,
		codeSha256:     f.codeSha256,
		configRevision: f.configRevision,
		description:    in.Description,
		revisionID:     s.revision(),
	}
	f.versions = append(f.versions, v)
	writeJSON(w, http.StatusCreated, s.config(f, v, region))
}

func (s *Server) listVersions(w http.ResponseWriter, f *function, region string) {
	out := struct {
		Versions []functionConfiguration `json:"Versions"`
	}{Versions: []functionConfiguration{s.config(f, nil, region)}}
	for _, v := range f.versions {
		out.Versions = append(out.Versions, s.config(f, v, region))
	}
	writeJSON(w, http.StatusOK, out)
}

func aliasConfig(region string, f *function, a *alias) aliasConfiguration {
	c := aliasConfiguration{
		AliasArn:        functionArn(region, f.name) + ":" + a.name,
		Name:            a.name,
		FunctionVersion: a.version,
		Description:     a.description,
		RevisionID:      a.revisionID,
	}
	if len(a.weights) > 0 {
		c.RoutingConfig = &routingConfig{AdditionalVersionWeights: maps.Clone(a.weights)}
	}
	return c
}

// checkRouting validates an alias's version and routing config as Lambda
// does, writing the error when it is invalid.
func checkRouting(w http.ResponseWriter, f *function, region, primary string, weights map[string]float64) bool {
	if f.version(primary) == nil {
		writeLambdaError(w, http.StatusNotFound, "ResourceNotFoundException",
			"Function not found: "+functionArn(region, f.name)+":"+primary)
		return false
	}
	if len(weights) > 1 {
		writeLambdaError(w, http.StatusBadRequest, "InvalidParameterValueException",
			"Number of additional version weights cannot be greater than 1.")
		return false
	}
	for v, weight := range weights {
		switch {
		case f.version(v) == nil:
			writeLambdaError(w, http.StatusNotFound, "ResourceNotFoundException",
				"Function not found: "+functionArn(region, f.name)+":"+v)
			return false
		case v == primary:
			writeLambdaError(w, http.StatusBadRequest, "InvalidParameterValueException",
				"Primary version and additional version cannot be the same: "+v)
			return false
		case weight < 0 || weight > 1:
			writeLambdaError(w, http.StatusBadRequest, "InvalidParameterValueException",
				fmt.Sprintf("Additional version weight %v is not between 0.0 and 1.0.", weight))
			return false
		}
	}
	return true
}

func (s *Server) createAlias(w http.ResponseWriter, f *function, region string, body []byte) {
	var in struct {
		Name            string         `json:"Name"`
		FunctionVersion string         `json:"FunctionVersion"`
		Description     string         `json:"Description"`
		RoutingConfig   *routingConfig `json:"RoutingConfig"`
	}
	if !decodeLambda(w, body, &in) {
		return
	}
	if f.aliases[in.Name] != nil {
		writeLambdaError(w, http.StatusConflict, "ResourceConflictException",
			"Alias already exists: "+functionArn(region, f.name)+":"+in.Name)
		return
	}
	var weights map[string]float64
	if in.RoutingConfig != nil {
		weights = in.RoutingConfig.AdditionalVersionWeights
	}
	if !checkRouting(w, f, region, in.FunctionVersion, weights) {
		return
	}
	a := &alias{name: in.Name, version: in.FunctionVersion, description: in.Description,
		weights: maps.Clone(weights), revisionID: s.revision()}
	f.aliases[in.Name] = a
	writeJSON(w, http.StatusCreated, aliasConfig(region, f, a))
}

func (s *Server) listAliases(w http.ResponseWriter, f *function, region string) {
	names := slices.Collect(maps.Keys(f.aliases))
	sort.Strings(names)
	out := struct {
		Aliases []aliasConfiguration `json:"Aliases"`
	}{Aliases: []aliasConfiguration{}}
	for _, n := range names {
		out.Aliases = append(out.Aliases, aliasConfig(region, f, f.aliases[n]))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) updateAlias(w http.ResponseWriter, f *function, name, region string, body []byte) {
	var in struct {
		FunctionVersion *string        `json:"FunctionVersion"`
		Description     *string        `json:"Description"`
		RoutingConfig   *routingConfig `json:"RoutingConfig"`
		RevisionID      string         `json:"RevisionId"`
	}
	if !decodeLambda(w, body, &in) {
		return
	}
	a := f.aliases[name]
	if a == nil {
		writeLambdaError(w, http.StatusNotFound, "ResourceNotFoundException",
			"Alias not found: "+functionArn(region, f.name)+":"+name)
		return
	}
	if in.RevisionID != "" && in.RevisionID != a.revisionID {
		writeLambdaError(w, http.StatusPreconditionFailed, "PreconditionFailedException",
			"The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id")
		return
	}
	primary, weights := a.version, a.weights
	if in.FunctionVersion != nil {
		primary = *in.FunctionVersion
	}
	// An omitted RoutingConfig keeps the routing; an empty one clears it.
	if in.RoutingConfig != nil {
		weights = in.RoutingConfig.AdditionalVersionWeights
	}
	if !checkRouting(w, f, region, primary, weights) {
		return
	}
	a.version, a.weights, a.revisionID = primary, maps.Clone(weights), s.revision()
	if len(a.weights) == 0 {
		a.weights = nil
	}
	if in.Description != nil {
		a.description = *in.Description
	}
	writeJSON(w, http.StatusOK, aliasConfig(region, f, a))
}

func decodeLambda(w http.ResponseWriter, body []byte, v any) bool {
	if len(body) == 0 {
		return true
	}
	if err := json.Unmarshal(body, v); err != nil {
		writeLambdaError(w, http.StatusBadRequest, "InvalidRequestContentException",
			"Could not parse request body into json: "+err.Error())
		return false
	}
	return true
}

// writeLambdaError writes an error as Lambda does: the type in the
// X-Amzn-Errortype header, which the SDK maps to its typed errors, and a
// body with Type and Message.
func writeLambdaError(w http.ResponseWriter, status int, errType, msg string) {
	w.Header().Set("X-Amzn-Errortype", errType)
	writeJSON(w, status, map[string]string{"Type": "User", "Message": msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "fakeaws: marshal response: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-Requestid", "fakeaws")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
