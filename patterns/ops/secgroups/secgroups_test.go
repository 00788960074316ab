package secgroups

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/kumo-iac/kumo/patterns/ops/metrics"
)

type fakeEC2 struct {
	in  []*ec2.RevokeSecurityGroupIngressInput
	err error
}

func (f *fakeEC2) RevokeSecurityGroupIngress(_ context.Context, in *ec2.RevokeSecurityGroupIngressInput, _ ...func(*ec2.Options)) (*ec2.RevokeSecurityGroupIngressOutput, error) {
	f.in = append(f.in, in)
	if f.err != nil {
		return nil, f.err
	}
	return &ec2.RevokeSecurityGroupIngressOutput{Return: aws.Bool(true)}, nil
}

type fakeSNS struct{ in []*sns.PublishInput }

func (f *fakeSNS) Publish(_ context.Context, in *sns.PublishInput, _ ...func(*sns.Options)) (*sns.PublishOutput, error) {
	f.in = append(f.in, in)
	return &sns.PublishOutput{}, nil
}

func remediator(t *testing.T, env map[string]string) (*Remediator, *fakeEC2, *fakeSNS, *bytes.Buffer) {
	t.Helper()
	e, s, m := &fakeEC2{}, &fakeSNS{}, &bytes.Buffer{}
	if env == nil {
		env = map[string]string{}
	}
	env["ALERT_TOPIC_ARN"] = "arn:aws:sns:eu-west-1:123456789012:sg-alerts"
	r, err := FromEnv(e, s, func(k string) string { return env[k] }, metrics.New(m, "remediate"), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return r, e, s, m
}

func fixture(t *testing.T, name string) events.CloudWatchEvent {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var ev events.CloudWatchEvent
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatal(err)
	}
	return ev
}

func alertOf(t *testing.T, s *fakeSNS) Alert {
	t.Helper()
	if len(s.in) != 1 {
		t.Fatalf("got %d alerts; want 1", len(s.in))
	}
	var a Alert
	if err := json.Unmarshal([]byte(aws.ToString(s.in[0].Message)), &a); err != nil {
		t.Fatal(err)
	}
	return a
}

// With the rule IDs recorded, exactly the two SSH rules are revoked by
// ID; the HTTPS rule stays.
func TestRevokesByRuleIDWhenRecorded(t *testing.T) {
	r, e, s, m := remediator(t, nil)
	res, err := r.Handle(t.Context(), fixture(t, "authorize-ssh-world.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(e.in) != 1 {
		t.Fatalf("got %d revoke calls; want 1", len(e.in))
	}
	in := e.in[0]
	if aws.ToString(in.GroupId) != "sg-0a1b2c3d4e5f60718" || !slices.Equal(in.SecurityGroupRuleIds, []string{"sgr-0aaaaaaaaaaaaaaa1", "sgr-0aaaaaaaaaaaaaaa2"}) || in.IpPermissions != nil {
		t.Errorf("revoke: group %s, rule IDs %v, permissions %v; want the two SSH rules by ID", aws.ToString(in.GroupId), in.SecurityGroupRuleIds, in.IpPermissions)
	}
	if res.Action != Revoked || len(res.Violations) != 2 {
		t.Errorf("result %+v", res)
	}
	a := alertOf(t, s)
	if a.Action != Revoked || a.User != "arn:aws:sts::123456789012:assumed-role/Developer/alice" || a.EventTime != "2025-06-01T09:15:02Z" ||
		a.SourceIP != "203.0.113.10" || a.GroupID != "sg-0a1b2c3d4e5f60718" || a.Violations[1].CIDR != "::/0" || !slices.Equal(a.Violations[0].Ports, []int{22}) {
		t.Errorf("alert %+v", a)
	}
	if got := aws.ToString(s.in[0].Subject); got != "kumo ops: revoked sg-0a1b2c3d4e5f60718 opened port 22" {
		t.Errorf("subject %q", got)
	}
	if !strings.Contains(m.String(), `"Remediations":2`) || !strings.Contains(m.String(), `"Violations":2`) {
		t.Errorf("metrics %s", m)
	}
}

// Without rule IDs (an older record), the revoke names the same
// permissions narrowed to the offending ranges: all traffic from the
// world, and TCP 1000-4000 from the world but not from 192.0.2.0/24; the
// rule from another security group stays.
func TestRevokesByPermissionWithoutRuleIDs(t *testing.T) {
	r, e, s, _ := remediator(t, nil)
	if _, err := r.Handle(t.Context(), fixture(t, "authorize-all-traffic-by-name.json")); err != nil {
		t.Fatal(err)
	}
	want := &ec2.RevokeSecurityGroupIngressInput{
		GroupName: aws.String("default"),
		IpPermissions: []ec2types.IpPermission{
			{IpProtocol: aws.String("-1"), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}},
			{IpProtocol: aws.String("6"), FromPort: aws.Int32(1000), ToPort: aws.Int32(4000), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}},
		},
	}
	if len(e.in) != 1 {
		t.Fatalf("got %d revoke calls; want 1", len(e.in))
	}
	got, _ := json.Marshal(e.in[0])
	if w, _ := json.Marshal(want); string(got) != string(w) {
		t.Errorf("revoke:\ngot  %s\nwant %s", got, w)
	}
	a := alertOf(t, s)
	if a.User != "arn:aws:iam::123456789012:user/Mateo" || a.GroupName != "default" || !slices.Equal(a.Violations[1].Ports, []int{1433, 3306, 3389}) || len(a.Violations[0].Ports) != 7 {
		t.Errorf("alert %+v", a)
	}
}

func TestModifySecurityGroupRulesIsRevokedByID(t *testing.T) {
	r, e, s, _ := remediator(t, nil)
	if _, err := r.Handle(t.Context(), fixture(t, "modify-rule-mysql-world.json")); err != nil {
		t.Fatal(err)
	}
	if len(e.in) != 1 || aws.ToString(e.in[0].GroupId) != "sg-0a1b2c3d4e5f60718" || !slices.Equal(e.in[0].SecurityGroupRuleIds, []string{"sgr-0ccccccccccccccc1"}) {
		t.Errorf("revoke calls %+v; want sgr-0ccccccccccccccc1", e.in)
	}
	if a := alertOf(t, s); a.EventName != "ModifySecurityGroupRules" || !slices.Equal(a.Violations[0].Ports, []int{3306}) {
		t.Errorf("alert %+v", a)
	}
}

func TestCompliantAndFailedCallsAreLeftAlone(t *testing.T) {
	for _, f := range []string{"authorize-private.json", "authorize-failed.json"} {
		r, e, s, _ := remediator(t, nil)
		res, err := r.Handle(t.Context(), fixture(t, f))
		if err != nil || len(e.in) != 0 || len(s.in) != 0 || len(res.Violations) != 0 {
			t.Errorf("%s: %+v, %v, %d revokes, %d alerts; want nothing done", f, res, err, len(e.in), len(s.in))
		}
		if f == "authorize-failed.json" && !strings.Contains(res.Skipped, "Client.UnauthorizedOperation") {
			t.Errorf("%s: skipped %q", f, res.Skipped)
		}
	}
}

func TestReportOnlyAlertsWithoutRevoking(t *testing.T) {
	r, e, s, _ := remediator(t, map[string]string{"REPORT_ONLY": "true"})
	res, err := r.Handle(t.Context(), fixture(t, "authorize-ssh-world.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(e.in) != 0 || res.Action != Reported || alertOf(t, s).Action != Reported {
		t.Errorf("report only: %d revokes, result %+v", len(e.in), res)
	}
}

func TestAFailedRevokeIsInTheAlert(t *testing.T) {
	r, e, s, _ := remediator(t, nil)
	e.err = errors.New("UnauthorizedOperation")
	res, err := r.Handle(t.Context(), fixture(t, "authorize-ssh-world.json"))
	if err != nil {
		t.Fatal(err)
	}
	if a := alertOf(t, s); res.Action != RevokeFailed || a.Action != RevokeFailed || !strings.Contains(a.Error, "UnauthorizedOperation") {
		t.Errorf("alert %+v", a)
	}
}

// With ALLOWED_CIDRS, a forbidden port open to a range outside them is a
// violation too; inside them it is not.
func TestAllowedCIDRs(t *testing.T) {
	r, _, _, _ := remediator(t, map[string]string{"ALLOWED_CIDRS": "10.0.0.0/8, 2001:db8::/32", "FORBIDDEN_PORTS": "5432"})
	c := Change{GroupID: "sg-1", Rules: []Rule{
		{Protocol: "tcp", FromPort: 5432, ToPort: 5432, HasPorts: true, CIDR: "10.1.0.0/16"},
		{Protocol: "tcp", FromPort: 5432, ToPort: 5432, HasPorts: true, CIDR: "192.168.0.0/16"},
		{Protocol: "tcp", FromPort: 5432, ToPort: 5432, HasPorts: true, CIDR: "0.0.0.0/8"},
		{Protocol: "tcp", FromPort: 5432, ToPort: 5432, HasPorts: true, CIDR: "2001:db8:1::/48", IPv6: true},
		{Protocol: "udp", FromPort: 5000, ToPort: 6000, HasPorts: true, CIDR: "172.16.0.0/12"},
		{Protocol: "icmp", FromPort: -1, ToPort: -1, HasPorts: true, CIDR: "0.0.0.0/0"},
	}}
	var got []string
	for _, v := range r.violations(c) {
		got = append(got, v.CIDR)
	}
	if want := []string{"192.168.0.0/16", "0.0.0.0/8", "172.16.0.0/12"}; !slices.Equal(got, want) {
		t.Errorf("violations %v; want %v", got, want)
	}
}

func TestFromEnvReportsEveryProblem(t *testing.T) {
	env := map[string]string{"ALERT_TOPIC_ARN": "alerts", "REPORT_ONLY": "maybe", "FORBIDDEN_PORTS": "22,ssh,70000", "ALLOWED_CIDRS": "10.0.0.0/8,0.0.0.0/0,banana"}
	_, err := FromEnv(nil, nil, func(k string) string { return env[k] }, nil, nil)
	for _, want := range []string{`ALERT_TOPIC_ARN is "alerts"`, `REPORT_ONLY is "maybe"`, `"ssh" is not a port`, `"70000" is not a port`, `"0.0.0.0/0" is the whole internet`, `"banana" is not a CIDR`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
}

func TestOtherEventsAreSkipped(t *testing.T) {
	r, e, _, _ := remediator(t, nil)
	ev := fixture(t, "authorize-ssh-world.json")
	ev.Detail = json.RawMessage(strings.Replace(string(ev.Detail), `"AuthorizeSecurityGroupIngress"`, `"RevokeSecurityGroupIngress"`, 1))
	res, err := r.Handle(context.Background(), ev)
	if err != nil || res.Skipped == "" || len(e.in) != 0 {
		t.Errorf("got %+v, %v", res, err)
	}
}
