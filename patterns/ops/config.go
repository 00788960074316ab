package ops

import (
	"slices"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/constructs"
	"github.com/kumo-iac/kumo/patterns"
)

// Name is the pattern's entry in kumo:patterns and its config section.
const Name = "opsautomation"

// Config is the operations automation pattern's section of a stack file
// (kumo:opsautomation). Each field's default is what DefaultConfig gives
// it; the tags name and document the keys (the README's table and
// Pulumi.yaml are checked against them).
type Config struct {
	MemoryMB             int      `config:"memoryMB" doc:"Memory of each function of the pattern, 128–10240 MB."`
	LogRetentionDays     int      `config:"logRetentionDays" doc:"Retention of every log the pattern writes; a CloudWatch Logs value (1, 3, 5, 7, 14, 30, 60, 90, …, 3653)."`
	Protect              bool     `config:"deletionProtection" doc:"Protect the task, run and image tables from deletion and keep non-empty buckets (turn on for production)."`
	DispatchSchedule     string   `config:"dispatchSchedule" doc:"How often the dispatcher runs due tasks, as rate(...) or cron(...)."`
	Schedule             bool     `config:"schedule" doc:"Kill switch of the dispatcher's schedule; false stops scheduled tasks (the dispatcher can still be invoked by hand)."`
	RunRetentionDays     int      `config:"runRetentionDays" doc:"Days a task run's record stays in the runs table before DynamoDB's TTL deletes it, 1–3650."`
	CrossAccountRoleArns []string `config:"crossAccountRoleArns" doc:"Roles in other accounts the dispatcher may assume for tasks that name one (arn:aws:iam::<account>:role/<name>)."`
	ImageEvents          bool     `config:"imageEvents" doc:"Kill switch of the image bucket's notification to the workflow starter; false stops new uploads from starting the workflow."`
	ImagePrefix          string   `config:"imagePrefix" doc:"Key prefix of the uploads that start the image workflow."`
	SecurityRule         bool     `config:"securityRule" doc:"Kill switch of the EventBridge rule on security group changes; false stops checking them."`
	ReportOnly           bool     `config:"reportOnly" doc:"Report forbidden security group rules without revoking them."`
	ForbiddenPorts       []string `config:"forbiddenPorts" doc:"Ports no security group may open to 0.0.0.0/0 or ::/0 (database and remote-admin ports by default)."`
	AlarmEmails          []string `config:"alarmEmails" doc:"E-mail addresses subscribed to the pattern's alarm topic."`
	NotificationEmails   []string `config:"notificationEmails" doc:"E-mail addresses subscribed to task failures and security remediations."`
}

// The pattern's documented defaults (ARC401 P4).
const (
	// DefaultDispatchSchedule checks for due tasks every 15 minutes.
	DefaultDispatchSchedule = "rate(15 minutes)"
	// DefaultRunRetentionDays keeps a month of run records.
	DefaultRunRetentionDays = 30
	// DefaultImagePrefix is where uploads start the image workflow.
	DefaultImagePrefix = "images/"
)

// DefaultForbiddenPorts are SSH, RDP and the usual database ports
// (MySQL, PostgreSQL, SQL Server, MongoDB, Redis): what ARC401's example
// forbids opening to the internet.
var DefaultForbiddenPorts = []int{22, 3389, 3306, 5432, 1433, 27017, 6379}

// portStrings are ports as the stack file lists them.
func portStrings(ports []int) []string {
	out := make([]string, len(ports))
	for i, p := range ports {
		out[i] = strconv.Itoa(p)
	}
	return out
}

// DefaultConfig is the operations automation pattern's documented defaults.
func DefaultConfig() Config {
	return Config{
		MemoryMB:             constructs.DefaultMemoryMB,
		LogRetentionDays:     constructs.DefaultLogRetentionDays,
		DispatchSchedule:     DefaultDispatchSchedule,
		Schedule:             true,
		RunRetentionDays:     DefaultRunRetentionDays,
		CrossAccountRoleArns: []string{},
		ImageEvents:          true,
		ImagePrefix:          DefaultImagePrefix,
		SecurityRule:         true,
		ForbiddenPorts:       portStrings(DefaultForbiddenPorts),
		AlarmEmails:          []string{},
		NotificationEmails:   []string{},
	}
}

// Pattern plugs operations automation into a stack.
type Pattern struct{}

var _ patterns.Pattern = Pattern{}

func (Pattern) Name() string { return Name }

func (Pattern) Description() string {
	return "Scheduled tasks (EBS snapshots) from a task table, an image workflow on Step Functions, and security group remediation from CloudTrail events (ARC401 P4)."
}

func (Pattern) NewConfig() any { c := DefaultConfig(); return &c }

// Validate checks the section's keys, then (with any bad key back at its
// default) the args it gives the constructs.
func (Pattern) Validate(cfg any, env patterns.Env) []error {
	c := *cfg.(*Config)
	p := &patterns.Problems{Secret: env.Secret}
	c.validate(p)
	checked := c.withDefaultsWhere(p)
	args := checked.Args(env)
	args.Releases = &constructs.Releases{} // created only after validation
	if err := args.Validate(patternName); err != nil {
		p.Errs = append(p.Errs, err)
	}
	return p.Errs
}

// patternName names the pattern's component and prefixes its children.
const patternName = "ops"

// Deploy registers the pattern.
func (Pattern) Deploy(ctx *pulumi.Context, cfg any, env patterns.Env) (pulumi.Map, error) {
	o, err := New(ctx, patternName, cfg.(*Config).Args(env))
	if err != nil {
		return nil, err
	}
	return o.Outputs(), nil
}

// Args are the pattern's args for a config in env.
func (c Config) Args(env patterns.Env) *Args {
	ports := make([]int, 0, len(c.ForbiddenPorts))
	for _, p := range c.ForbiddenPorts {
		if n, err := strconv.Atoi(p); err == nil {
			ports = append(ports, n)
		}
	}
	return &Args{
		Root:                 env.Root,
		Releases:             env.Releases,
		MemoryMB:             c.MemoryMB,
		LogRetentionDays:     c.LogRetentionDays,
		DeletionProtection:   c.Protect,
		DispatchSchedule:     c.DispatchSchedule,
		DisableSchedule:      !c.Schedule,
		RunRetentionDays:     c.RunRetentionDays,
		CrossAccountRoleArns: c.CrossAccountRoleArns,
		DisableImageEvents:   !c.ImageEvents,
		ImagePrefix:          c.ImagePrefix,
		DisableSecurityRule:  !c.SecurityRule,
		ReportOnly:           c.ReportOnly,
		ForbiddenPorts:       ports,
		AlarmEmails:          c.AlarmEmails,
		NotificationEmails:   c.NotificationEmails,
	}
}

// validate checks each key, naming it.
func (c Config) validate(p *patterns.Problems) {
	k := func(name string) string { return patterns.KeyName(Name, name) }
	if c.MemoryMB < constructs.MinMemoryMB || c.MemoryMB > constructs.MaxMemoryMB {
		p.Add(k("memoryMB"), "%s is outside %d–%d MB", p.Val(k("memoryMB"), c.MemoryMB), constructs.MinMemoryMB, constructs.MaxMemoryMB)
	}
	if !slices.Contains(constructs.ValidLogRetentionDays, c.LogRetentionDays) {
		p.Add(k("logRetentionDays"), "%s is not a CloudWatch Logs retention; use one of %v", p.Val(k("logRetentionDays"), c.LogRetentionDays), constructs.ValidLogRetentionDays)
	}
	if c.RunRetentionDays < 1 || c.RunRetentionDays > 3650 {
		p.Add(k("runRetentionDays"), "%s is outside 1–3650 days", p.Val(k("runRetentionDays"), c.RunRetentionDays))
	}
	switch {
	case c.ImagePrefix == "":
		p.Add(k("imagePrefix"), "is empty; give the key prefix of uploads that start the workflow, e.g. %s (the workflow writes nothing under it)", patterns.Quote(DefaultImagePrefix))
	case strings.HasPrefix(c.ImagePrefix, "/") || !strings.HasSuffix(c.ImagePrefix, "/"):
		p.Add(k("imagePrefix"), "%s must end in '/' and not start with one, e.g. %s", p.Val(k("imagePrefix"), c.ImagePrefix), patterns.Quote(DefaultImagePrefix))
	}
	seen := map[int]bool{}
	for _, port := range c.ForbiddenPorts {
		n, err := strconv.Atoi(port)
		switch {
		case err != nil || n < 0 || n > 65535:
			p.Add(k("forbiddenPorts"), "%s is not a port; use whole numbers 0–65535", p.Val(k("forbiddenPorts"), port))
		case seen[n]:
			p.Add(k("forbiddenPorts"), "%s is listed twice", p.Val(k("forbiddenPorts"), port))
		}
		seen[n] = true
	}
	if len(c.ForbiddenPorts) == 0 {
		p.Add(k("forbiddenPorts"), "is empty; list at least one port (to stop remediation, set %s false)", k("securityRule"))
	}
}

// withDefaultsWhere returns c with each field whose key has a problem set
// back to its default, so the construct checks do not repeat it.
func (c Config) withDefaultsWhere(p *patterns.Problems) Config {
	d := DefaultConfig()
	has := func(key string) bool { return p.Has(patterns.KeyName(Name, key)) }
	if has("memoryMB") {
		c.MemoryMB = d.MemoryMB
	}
	if has("logRetentionDays") {
		c.LogRetentionDays = d.LogRetentionDays
	}
	if has("runRetentionDays") {
		c.RunRetentionDays = d.RunRetentionDays
	}
	if has("imagePrefix") {
		c.ImagePrefix = d.ImagePrefix
	}
	if has("forbiddenPorts") {
		c.ForbiddenPorts = d.ForbiddenPorts
	}
	return c
}
