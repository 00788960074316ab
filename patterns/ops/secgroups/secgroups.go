// Package secgroups is the operations automation pattern's security group
// policy enforcement: an EventBridge rule passes it CloudTrail's record of
// each security group change (detail-type "AWS API Call via CloudTrail",
// eventName AuthorizeSecurityGroupIngress or ModifySecurityGroupRules), it
// finds the ingress rules that open a forbidden port (by default database
// and remote-admin ports) to the whole internet (0.0.0.0/0 or ::/0, or,
// when allowed CIDRs are configured, to any range outside them), revokes
// exactly those rules, and publishes an alert saying what was opened, by
// whom, when, and whether it was revoked or only reported. The Lambda
// entry point is patterns/ops/functions/remediate.
//
// Only TCP, UDP and "all traffic" (protocol -1) rules are checked: a
// forbidden port is a TCP or UDP service. A rule is revoked by its
// security group rule ID when CloudTrail recorded the IDs the call created
// (responseElements.securityGroupRuleSet), else by the same permission
// narrowed to the offending ranges; the caller's other rules stay. The
// event shapes are CloudTrail's
// (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html)
// as EventBridge delivers them
// (https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-cloudtrail.html);
// testdata/README.md says where the fixtures come from.
package secgroups

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/kumo-iac/kumo/internal/envvar"
	"github.com/kumo-iac/kumo/patterns/ops/metrics"
)

// DefaultForbiddenPorts are SSH, RDP, MySQL, PostgreSQL, SQL Server,
// MongoDB and Redis.
const DefaultForbiddenPorts = "22,3389,3306,5432,1433,27017,6379"

// EC2 is the part of the EC2 API the Remediator calls. *ec2.Client
// satisfies it.
type EC2 interface {
	RevokeSecurityGroupIngress(ctx context.Context, in *ec2.RevokeSecurityGroupIngressInput, optFns ...func(*ec2.Options)) (*ec2.RevokeSecurityGroupIngressOutput, error)
}

// SNS is the part of the SNS API the Remediator calls.
type SNS interface {
	Publish(ctx context.Context, in *sns.PublishInput, optFns ...func(*sns.Options)) (*sns.PublishOutput, error)
}

var (
	_ EC2 = (*ec2.Client)(nil)
	_ SNS = (*sns.Client)(nil)
)

// Remediator checks and remediates security group changes.
type Remediator struct {
	EC2           EC2
	SNS           SNS
	AlertTopicARN string
	// ReportOnly alerts without revoking.
	ReportOnly bool
	// ForbiddenPorts are the ports no rule may open to the internet.
	ForbiddenPorts []int
	// AllowedCIDRs, when set, are the only ranges a forbidden port may be
	// opened to; when empty, only 0.0.0.0/0 and ::/0 are refused.
	AllowedCIDRs []netip.Prefix
	Metrics      *metrics.Emitter
	Log          *slog.Logger
}

// FromEnv configures a Remediator from ALERT_TOPIC_ARN (required),
// REPORT_ONLY (default false), FORBIDDEN_PORTS (default
// DefaultForbiddenPorts; comma-separated, 0 to 65535) and ALLOWED_CIDRS
// (optional; comma-separated CIDRs, none of them /0).
func FromEnv(ec2c EC2, snsc SNS, getenv func(string) string, m *metrics.Emitter, log *slog.Logger) (*Remediator, error) {
	e := envvar.New(getenv)
	r := &Remediator{
		EC2:           ec2c,
		SNS:           snsc,
		AlertTopicARN: e.TopicARN("ALERT_TOPIC_ARN", "the SNS topic for security group alerts"),
		ReportOnly:    e.Bool("REPORT_ONLY", false),
		Metrics:       m,
		Log:           log,
	}
	ports, _ := e.Lookup("FORBIDDEN_PORTS")
	if ports == "" {
		ports = DefaultForbiddenPorts
	}
	for _, p := range strings.Split(ports, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || n < 0 || n > 65535 {
			e.Fail("FORBIDDEN_PORTS is %q: %q is not a port; set it to comma-separated ports from 0 to 65535 (default %q)", ports, p, DefaultForbiddenPorts)
			continue
		}
		r.ForbiddenPorts = append(r.ForbiddenPorts, n)
	}
	if cidrs, ok := e.Lookup("ALLOWED_CIDRS"); ok {
		for _, c := range strings.Split(cidrs, ",") {
			p, err := netip.ParsePrefix(strings.TrimSpace(c))
			switch {
			case err != nil:
				e.Fail("ALLOWED_CIDRS is %q: %q is not a CIDR; set it to comma-separated CIDRs such as 10.0.0.0/8,2001:db8::/32, or unset it", cidrs, c)
			case p.Bits() == 0:
				e.Fail("ALLOWED_CIDRS is %q: %q is the whole internet, which would allow every rule this function exists to refuse; set it to narrower ranges", cidrs, c)
			default:
				r.AllowedCIDRs = append(r.AllowedCIDRs, p.Masked())
			}
		}
	}
	return r, e.Err()
}

// Violation is one offending rule: a protocol and port range opened to a
// range, with the rule's ID when CloudTrail recorded it.
type Violation struct {
	Protocol string `json:"protocol"`
	FromPort int    `json:"fromPort"`
	ToPort   int    `json:"toPort"`
	CIDR     string `json:"cidr"`
	// Ports are the forbidden ports the rule opens.
	Ports  []int  `json:"ports"`
	RuleID string `json:"ruleId,omitempty"`
}

// Actions in an Alert.
const (
	Revoked      = "revoked"
	Reported     = "reported"
	RevokeFailed = "revoke-failed"
)

// Alert is the message published for an event with violations.
type Alert struct {
	Action     string      `json:"action"`
	GroupID    string      `json:"groupId,omitempty"`
	GroupName  string      `json:"groupName,omitempty"`
	Violations []Violation `json:"violations"`
	EventName  string      `json:"eventName"`
	EventTime  string      `json:"eventTime"`
	EventID    string      `json:"eventId"`
	Region     string      `json:"region"`
	Account    string      `json:"account"`
	// User is the caller's ARN (userIdentity.arn), UserType its type.
	User      string `json:"user"`
	UserType  string `json:"userType"`
	SourceIP  string `json:"sourceIp"`
	UserAgent string `json:"userAgent,omitempty"`
	Error     string `json:"error,omitempty"`
}

// Result is what the handler returns.
type Result struct {
	// Skipped says why an event was not checked (a failed call, another
	// event name); empty when it was.
	Skipped    string      `json:"skipped,omitempty"`
	Action     string      `json:"action,omitempty"`
	Violations []Violation `json:"violations"`
}

// Handle checks one event. It fails (so that Lambda retries the
// asynchronous invocation) only when the alert cannot be published; a
// revocation that fails is in the alert.
func (r *Remediator) Handle(ctx context.Context, ev events.CloudWatchEvent) (Result, error) {
	d, err := parseDetail(ev.Detail)
	if err != nil {
		return Result{}, fmt.Errorf("event %s: %w", ev.ID, err)
	}
	res := Result{Violations: []Violation{}}
	switch {
	case d.ErrorCode != "":
		res.Skipped = "the call failed (" + d.ErrorCode + "), so it changed nothing"
	case d.EventName != "AuthorizeSecurityGroupIngress" && d.EventName != "ModifySecurityGroupRules":
		res.Skipped = "event " + d.EventName + " is not checked"
	}
	if res.Skipped != "" {
		r.Log.Info("skipped", slog.String("eventId", d.EventID), slog.String("reason", res.Skipped))
		return res, nil
	}
	change, err := d.change()
	if err != nil {
		return Result{}, fmt.Errorf("event %s (%s): %w", d.EventID, d.EventName, err)
	}
	res.Violations = r.violations(change)
	if len(res.Violations) == 0 {
		r.Log.Info("compliant", slog.String("eventId", d.EventID), slog.String("groupId", change.GroupID))
		return res, nil
	}
	a := Alert{Action: Reported, GroupID: change.GroupID, GroupName: change.GroupName, Violations: res.Violations,
		EventName: d.EventName, EventTime: d.EventTime, EventID: d.EventID, Region: d.AWSRegion, Account: d.RecipientAccountID,
		User: d.UserIdentity.ARN, UserType: d.UserIdentity.Type, SourceIP: d.SourceIPAddress, UserAgent: d.UserAgent}
	if !r.ReportOnly {
		a.Action = Revoked
		if err := r.revoke(ctx, change, res.Violations); err != nil {
			a.Action, a.Error = RevokeFailed, err.Error()
		}
	}
	res.Action = a.Action
	r.Log.Warn("violation", slog.String("eventId", d.EventID), slog.String("groupId", change.GroupID), slog.String("action", a.Action),
		slog.String("user", a.User), slog.Any("violations", res.Violations), slog.String("error", a.Error))
	counts := map[string]float64{metrics.Violations: float64(len(res.Violations))}
	if a.Action == Revoked {
		counts[metrics.Remediations] = float64(len(res.Violations))
	}
	if a.Action == RevokeFailed {
		counts[metrics.Failures] = 1
	}
	if merr := r.Metrics.Emit(counts); merr != nil {
		r.Log.Warn("metrics", slog.String("error", merr.Error()))
	}
	return res, r.alert(ctx, a)
}

// Rule is one permission of a change: a protocol and port range opened to
// one range, as the request gave it.
type Rule struct {
	// Protocol is as the caller sent it: "tcp", "6", "-1", ...
	Protocol         string
	FromPort, ToPort int
	HasPorts         bool
	CIDR             string
	IPv6             bool
	Description      string
	// RuleID is the security group rule's ID, when known.
	RuleID string
}

// Change is what an event asked for: rules added to (or modified in) one
// security group.
type Change struct {
	GroupID, GroupName string
	Rules              []Rule
}

// protocolName maps protocol numbers to the names EC2 answers with, so
// that "6" in a request matches "tcp" in the response.
func protocolName(p string) string {
	switch strings.ToLower(p) {
	case "6", "tcp":
		return "tcp"
	case "17", "udp":
		return "udp"
	case "1", "icmp":
		return "icmp"
	case "58", "icmpv6":
		return "icmpv6"
	case "-1", "all":
		return "-1"
	}
	return strings.ToLower(p)
}

// violations are the rules opening a forbidden port to a range not
// allowed.
func (r *Remediator) violations(c Change) []Violation {
	var vs []Violation
	for _, rule := range c.Rules {
		var ports []int
		switch protocolName(rule.Protocol) {
		case "-1":
			ports = slices.Clone(r.ForbiddenPorts)
		case "tcp", "udp":
			for _, p := range r.ForbiddenPorts {
				// A TCP or UDP rule always has ports; without them it
				// is refused by EC2, so treat it as all.
				if !rule.HasPorts || (p >= rule.FromPort && p <= rule.ToPort) {
					ports = append(ports, p)
				}
			}
		}
		if len(ports) == 0 || r.allowed(rule.CIDR) {
			continue
		}
		slices.Sort(ports)
		vs = append(vs, Violation{Protocol: rule.Protocol, FromPort: rule.FromPort, ToPort: rule.ToPort, CIDR: rule.CIDR, Ports: slices.Compact(ports), RuleID: rule.RuleID})
	}
	return vs
}

// allowed says whether a forbidden port may be open to cidr: never to the
// whole internet, otherwise only inside AllowedCIDRs when they are set.
func (r *Remediator) allowed(cidr string) bool {
	p, err := netip.ParsePrefix(cidr)
	if err != nil {
		return false // EC2 refuses what does not parse; be safe
	}
	if p.Bits() == 0 {
		return false
	}
	if len(r.AllowedCIDRs) == 0 {
		return true
	}
	for _, a := range r.AllowedCIDRs {
		if a.Bits() <= p.Bits() && a.Contains(p.Addr()) {
			return true
		}
	}
	return false
}

// revoke removes the violations: by rule ID when every one has an ID,
// otherwise by permission.
func (r *Remediator) revoke(ctx context.Context, c Change, vs []Violation) error {
	in := &ec2.RevokeSecurityGroupIngressInput{}
	if c.GroupID != "" {
		in.GroupId = aws.String(c.GroupID)
	} else {
		in.GroupName = aws.String(c.GroupName)
	}
	byID := true
	for _, v := range vs {
		byID = byID && v.RuleID != ""
	}
	if byID {
		for _, v := range vs {
			in.SecurityGroupRuleIds = append(in.SecurityGroupRuleIds, v.RuleID)
		}
	} else {
		for _, v := range vs {
			p := ec2types.IpPermission{IpProtocol: aws.String(v.Protocol)}
			if protocolName(v.Protocol) != "-1" {
				p.FromPort, p.ToPort = aws.Int32(int32(v.FromPort)), aws.Int32(int32(v.ToPort))
			}
			if strings.Contains(v.CIDR, ":") {
				p.Ipv6Ranges = []ec2types.Ipv6Range{{CidrIpv6: aws.String(v.CIDR)}}
			} else {
				p.IpRanges = []ec2types.IpRange{{CidrIp: aws.String(v.CIDR)}}
			}
			in.IpPermissions = append(in.IpPermissions, p)
		}
	}
	out, err := r.EC2.RevokeSecurityGroupIngress(ctx, in)
	if err != nil {
		return fmt.Errorf("revoke ingress of %s: %w", c.GroupID+c.GroupName, err)
	}
	// EC2 answers Return true with the permissions it did not find
	// instead of failing
	// (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_RevokeSecurityGroupIngress.html).
	if len(out.UnknownIpPermissions) > 0 {
		return fmt.Errorf("revoke ingress of %s: EC2 did not find %d of the permissions (already removed?)", c.GroupID+c.GroupName, len(out.UnknownIpPermissions))
	}
	return nil
}

// alert publishes a. Subjects are at most 100 printable ASCII characters
// (https://docs.aws.amazon.com/sns/latest/api/API_Publish.html).
func (r *Remediator) alert(ctx context.Context, a Alert) error {
	b, err := json.MarshalIndent(a, "", "  ")
	if err != nil {
		return err
	}
	var ports []string
	for _, v := range a.Violations {
		for _, p := range v.Ports {
			ports = append(ports, strconv.Itoa(p))
		}
	}
	slices.Sort(ports)
	subject := fmt.Sprintf("kumo ops: %s %s opened port %s", a.Action, a.GroupID+a.GroupName, strings.Join(slices.Compact(ports), ","))
	if len(subject) > 100 {
		subject = subject[:97] + "..."
	}
	if _, err := r.SNS.Publish(ctx, &sns.PublishInput{TopicArn: aws.String(r.AlertTopicARN), Subject: aws.String(subject), Message: aws.String(string(b))}); err != nil {
		return fmt.Errorf("publish alert of event %s: %w", a.EventID, err)
	}
	return nil
}

// detail is the CloudTrail record in an EventBridge event's detail.
type detail struct {
	EventName          string `json:"eventName"`
	EventTime          string `json:"eventTime"`
	EventID            string `json:"eventID"`
	AWSRegion          string `json:"awsRegion"`
	RecipientAccountID string `json:"recipientAccountId"`
	SourceIPAddress    string `json:"sourceIPAddress"`
	UserAgent          string `json:"userAgent"`
	ErrorCode          string `json:"errorCode"`
	UserIdentity       struct {
		Type string `json:"type"`
		ARN  string `json:"arn"`
	} `json:"userIdentity"`
	RequestParameters json.RawMessage `json:"requestParameters"`
	ResponseElements  json.RawMessage `json:"responseElements"`
}

func parseDetail(raw json.RawMessage) (detail, error) {
	var d detail
	if err := json.Unmarshal(raw, &d); err != nil {
		return d, fmt.Errorf("detail is not a CloudTrail record: %w", err)
	}
	return d, nil
}

// items is CloudTrail's rendering of an EC2 list, {"items": [...]}; a
// single element is sometimes an object instead of a list.
type items[T any] struct {
	Items list[T] `json:"items"`
}

type list[T any] []T

func (l *list[T]) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '{' {
		var one T
		if err := json.Unmarshal(b, &one); err != nil {
			return err
		}
		*l = list[T]{one}
		return nil
	}
	var many []T
	err := json.Unmarshal(b, &many)
	*l = many
	return err
}

// number is a port, which CloudTrail records as a JSON number, or for
// some calls a string.
type number struct {
	n   int
	set bool
}

func (n *number) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "null" || s == "" {
		return nil
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		return fmt.Errorf("port %s: %w", b, err)
	}
	n.n, n.set = v, true
	return nil
}

type authorizeRequest struct {
	GroupID       string `json:"groupId"`
	GroupName     string `json:"groupName"`
	IPPermissions items[struct {
		IPProtocol string `json:"ipProtocol"`
		FromPort   number `json:"fromPort"`
		ToPort     number `json:"toPort"`
		IPRanges   items[struct {
			CIDRIP      string `json:"cidrIp"`
			Description string `json:"description"`
		}] `json:"ipRanges"`
		IPv6Ranges items[struct {
			CIDRIPv6    string `json:"cidrIpv6"`
			Description string `json:"description"`
		}] `json:"ipv6Ranges"`
	}] `json:"ipPermissions"`
}

type authorizeResponse struct {
	SecurityGroupRuleSet items[struct {
		GroupID             string `json:"groupId"`
		SecurityGroupRuleID string `json:"securityGroupRuleId"`
		IsEgress            bool   `json:"isEgress"`
		IPProtocol          string `json:"ipProtocol"`
		FromPort            number `json:"fromPort"`
		ToPort              number `json:"toPort"`
		CIDRIPv4            string `json:"cidrIpv4"`
		CIDRIPv6            string `json:"cidrIpv6"`
	}] `json:"securityGroupRuleSet"`
}

type modifyRequest struct {
	Request struct {
		GroupID           string `json:"GroupId"`
		SecurityGroupRule list[struct {
			SecurityGroupRuleID string `json:"SecurityGroupRuleId"`
			SecurityGroupRule   struct {
				IPProtocol  string `json:"IpProtocol"`
				FromPort    number `json:"FromPort"`
				ToPort      number `json:"ToPort"`
				CIDRIPv4    string `json:"CidrIpv4"`
				CIDRIPv6    string `json:"CidrIpv6"`
				Description string `json:"Description"`
			} `json:"SecurityGroupRule"`
		}] `json:"SecurityGroupRule"`
	} `json:"ModifySecurityGroupRulesRequest"`
}

// change reads the rules the call added (AuthorizeSecurityGroupIngress)
// or set (ModifySecurityGroupRules) from the record.
func (d detail) change() (Change, error) {
	var c Change
	if d.EventName == "ModifySecurityGroupRules" {
		var req modifyRequest
		if err := json.Unmarshal(d.RequestParameters, &req); err != nil {
			return c, fmt.Errorf("requestParameters: %w", err)
		}
		c.GroupID = req.Request.GroupID
		for _, m := range req.Request.SecurityGroupRule {
			s := m.SecurityGroupRule
			rule := Rule{Protocol: s.IPProtocol, FromPort: s.FromPort.n, ToPort: s.ToPort.n, HasPorts: s.FromPort.set && s.ToPort.set, RuleID: m.SecurityGroupRuleID, Description: s.Description}
			switch {
			case s.CIDRIPv4 != "":
				rule.CIDR = s.CIDRIPv4
			case s.CIDRIPv6 != "":
				rule.CIDR, rule.IPv6 = s.CIDRIPv6, true
			default:
				continue // a prefix list or a security group: not a range
			}
			c.Rules = append(c.Rules, rule)
		}
		if c.GroupID == "" {
			return c, errors.New("requestParameters.ModifySecurityGroupRulesRequest has no GroupId")
		}
		return c, nil
	}
	var req authorizeRequest
	if err := json.Unmarshal(d.RequestParameters, &req); err != nil {
		return c, fmt.Errorf("requestParameters: %w", err)
	}
	var resp authorizeResponse
	if len(d.ResponseElements) > 0 && string(d.ResponseElements) != "null" {
		if err := json.Unmarshal(d.ResponseElements, &resp); err != nil {
			return c, fmt.Errorf("responseElements: %w", err)
		}
	}
	c.GroupID, c.GroupName = req.GroupID, req.GroupName
	if c.GroupID == "" && c.GroupName == "" {
		return c, errors.New("requestParameters has neither groupId nor groupName")
	}
	for _, p := range req.IPPermissions.Items {
		base := Rule{Protocol: p.IPProtocol, FromPort: p.FromPort.n, ToPort: p.ToPort.n, HasPorts: p.FromPort.set && p.ToPort.set}
		for _, r := range p.IPRanges.Items {
			rule := base
			rule.CIDR, rule.Description = r.CIDRIP, r.Description
			c.Rules = append(c.Rules, rule)
		}
		for _, r := range p.IPv6Ranges.Items {
			rule := base
			rule.CIDR, rule.IPv6, rule.Description = r.CIDRIPv6, true, r.Description
			c.Rules = append(c.Rules, rule)
		}
	}
	// Match each rule to the ID EC2 gave it.
	for i, rule := range c.Rules {
		for _, s := range resp.SecurityGroupRuleSet.Items {
			cidr := s.CIDRIPv4
			if rule.IPv6 {
				cidr = s.CIDRIPv6
			}
			if !s.IsEgress && (c.GroupID == "" || s.GroupID == "" || s.GroupID == c.GroupID) && protocolName(s.IPProtocol) == protocolName(rule.Protocol) &&
				cidr == rule.CIDR && (protocolName(rule.Protocol) == "-1" || (s.FromPort.n == rule.FromPort && s.ToPort.n == rule.ToPort)) {
				c.Rules[i].RuleID = s.SecurityGroupRuleID
				break
			}
		}
	}
	return c, nil
}
