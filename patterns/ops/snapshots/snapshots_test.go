package snapshots

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"

	"github.com/kumo-iac/kumo/patterns/ops/tasks"
)

// fakeEC2 answers from fixed pages and records every call. throttle makes
// the next n calls of a method answer RequestLimitExceeded.
type fakeEC2 struct {
	instancePages [][]ec2types.Instance
	snapshotPages [][]ec2types.Snapshot
	throttle      map[string]int
	fail          map[string]error // by volume or snapshot ID
	calls         []string
	creates       []*ec2.CreateSnapshotInput
	deletes       []*ec2.DeleteSnapshotInput
	describeIn    []*ec2.DescribeInstancesInput
	snapIn        []*ec2.DescribeSnapshotsInput
}

func (f *fakeEC2) throttled(method string) error {
	f.calls = append(f.calls, method)
	if f.throttle[method] > 0 {
		f.throttle[method]--
		return &smithy.GenericAPIError{Code: "RequestLimitExceeded", Message: "Request limit exceeded."}
	}
	return nil
}

func page(token *string, n int) (int, *string) {
	i := 0
	if token != nil {
		fmt.Sscan(*token, &i)
	}
	if i+1 < n {
		return i, aws.String(fmt.Sprint(i + 1))
	}
	return i, nil
}

func (f *fakeEC2) DescribeInstances(_ context.Context, in *ec2.DescribeInstancesInput, _ ...func(*ec2.Options)) (*ec2.DescribeInstancesOutput, error) {
	if err := f.throttled("DescribeInstances"); err != nil {
		return nil, err
	}
	cp := *in
	f.describeIn = append(f.describeIn, &cp)
	i, next := page(in.NextToken, len(f.instancePages))
	return &ec2.DescribeInstancesOutput{Reservations: []ec2types.Reservation{{Instances: f.instancePages[i]}}, NextToken: next}, nil
}

func (f *fakeEC2) CreateSnapshot(_ context.Context, in *ec2.CreateSnapshotInput, _ ...func(*ec2.Options)) (*ec2.CreateSnapshotOutput, error) {
	if err := f.throttled("CreateSnapshot"); err != nil {
		return nil, err
	}
	f.creates = append(f.creates, in)
	if err := f.fail[*in.VolumeId]; err != nil {
		return nil, err
	}
	if aws.ToBool(in.DryRun) {
		return nil, &smithy.GenericAPIError{Code: "DryRunOperation", Message: "Request would have succeeded, but DryRun flag is set."}
	}
	return &ec2.CreateSnapshotOutput{SnapshotId: aws.String("snap-of-" + *in.VolumeId)}, nil
}

func (f *fakeEC2) DescribeSnapshots(_ context.Context, in *ec2.DescribeSnapshotsInput, _ ...func(*ec2.Options)) (*ec2.DescribeSnapshotsOutput, error) {
	if err := f.throttled("DescribeSnapshots"); err != nil {
		return nil, err
	}
	cp := *in
	f.snapIn = append(f.snapIn, &cp)
	if len(f.snapshotPages) == 0 {
		return &ec2.DescribeSnapshotsOutput{}, nil
	}
	i, next := page(in.NextToken, len(f.snapshotPages))
	return &ec2.DescribeSnapshotsOutput{Snapshots: f.snapshotPages[i], NextToken: next}, nil
}

func (f *fakeEC2) DeleteSnapshot(_ context.Context, in *ec2.DeleteSnapshotInput, _ ...func(*ec2.Options)) (*ec2.DeleteSnapshotOutput, error) {
	if err := f.throttled("DeleteSnapshot"); err != nil {
		return nil, err
	}
	f.deletes = append(f.deletes, in)
	if err := f.fail[*in.SnapshotId]; err != nil {
		return nil, err
	}
	if aws.ToBool(in.DryRun) {
		return nil, &smithy.GenericAPIError{Code: "DryRunOperation", Message: "Request would have succeeded, but DryRun flag is set."}
	}
	return &ec2.DeleteSnapshotOutput{}, nil
}

func instance(id string, vols ...string) ec2types.Instance {
	i := ec2types.Instance{InstanceId: aws.String(id)}
	for n, v := range vols {
		i.BlockDeviceMappings = append(i.BlockDeviceMappings, ec2types.InstanceBlockDeviceMapping{DeviceName: aws.String(fmt.Sprintf("/dev/xvd%c", 'a'+n)), Ebs: &ec2types.EbsInstanceBlockDevice{VolumeId: aws.String(v)}})
	}
	return i
}

var now = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

func snapshot(id string, age time.Duration) ec2types.Snapshot {
	return ec2types.Snapshot{SnapshotId: aws.String(id), StartTime: aws.Time(now.Add(-age))}
}

type sleeps []time.Duration

func executor(f *fakeEC2, slept *sleeps) *Executor {
	return &Executor{
		Client: func(aws.CredentialsProvider) EC2 { return f },
		Now:    func() time.Time { return now },
		Backoff: Backoff{Base: time.Second, Max: 5 * time.Second, Attempts: 5, Rand: func() float64 { return 0.5 },
			Sleep: func(_ context.Context, d time.Duration) error { *slept = append(*slept, d); return nil }},
	}
}

var task = tasks.Task{TaskID: "nightly", Action: Action, Target: "Backup=nightly", PeriodMinutes: 1440, RetentionDays: 7, Enabled: true}

func TestExecuteSnapshotsTaggedVolumesAndExpiresOldSnapshots(t *testing.T) {
	f := &fakeEC2{
		instancePages: [][]ec2types.Instance{{instance("i-1", "vol-b", "vol-a")}, {instance("i-2", "vol-c", "vol-a"), {InstanceId: aws.String("i-3")}}},
		snapshotPages: [][]ec2types.Snapshot{{snapshot("snap-old1", 8*24*time.Hour), snapshot("snap-new", 6*24*time.Hour)}, {snapshot("snap-old2", 30*24*time.Hour), {SnapshotId: aws.String("snap-pending")}}},
	}
	var slept sleeps
	d, err := executor(f, &slept).Execute(t.Context(), task, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Both pages of instances, filtered by the tag and live states.
	if len(f.describeIn) != 2 {
		t.Fatalf("DescribeInstances pages: got %d; want 2", len(f.describeIn))
	}
	filters := f.describeIn[0].Filters
	if aws.ToString(filters[0].Name) != "tag:Backup" || !slices.Equal(filters[0].Values, []string{"nightly"}) || aws.ToString(filters[1].Name) != "instance-state-name" || slices.Contains(filters[1].Values, "terminated") {
		t.Errorf("DescribeInstances filters: %+v", filters)
	}
	// Every attached volume once, vol-a (attached to both) included once.
	var vols []string
	for _, c := range f.creates {
		vols = append(vols, *c.VolumeId)
		tags := c.TagSpecifications[0]
		if tags.ResourceType != ec2types.ResourceTypeSnapshot || aws.ToString(tags.Tags[0].Key) != TaskTag || aws.ToString(tags.Tags[0].Value) != "nightly" {
			t.Errorf("snapshot of %s is not tagged with the task: %+v", *c.VolumeId, tags)
		}
		if aws.ToBool(c.DryRun) {
			t.Errorf("snapshot of %s sent with DryRun", *c.VolumeId)
		}
	}
	if got := strings.Join(vols, ","); got != "vol-a,vol-b,vol-c" {
		t.Errorf("snapshotted %s; want vol-a,vol-b,vol-c", got)
	}
	// Only the task's own snapshots, only self-owned, only those past
	// retention.
	in := f.snapIn[0]
	if !slices.Equal(in.OwnerIds, []string{"self"}) || aws.ToString(in.Filters[0].Name) != "tag:"+TaskTag || !slices.Equal(in.Filters[0].Values, []string{"nightly"}) {
		t.Errorf("DescribeSnapshots input: %+v", in)
	}
	var deleted []string
	for _, del := range f.deletes {
		deleted = append(deleted, *del.SnapshotId)
	}
	if got := strings.Join(deleted, ","); got != "snap-old1,snap-old2" {
		t.Errorf("deleted %s; want snap-old1,snap-old2", got)
	}
	if got := fmt.Sprint(d["instances"], d["created"], d["expired"]); got != "[i-1 i-2 i-3] [snap-of-vol-a snap-of-vol-b snap-of-vol-c] [snap-old1 snap-old2]" {
		t.Errorf("details: %s", got)
	}
	if len(slept) != 0 {
		t.Errorf("slept %v without throttling", slept)
	}
}

func TestRetentionZeroKeepsSnapshots(t *testing.T) {
	f := &fakeEC2{instancePages: [][]ec2types.Instance{{instance("i-1", "vol-a")}}, snapshotPages: [][]ec2types.Snapshot{{snapshot("snap-old", 365*24*time.Hour)}}}
	keep := task
	keep.RetentionDays = 0
	if _, err := executor(f, new(sleeps)).Execute(t.Context(), keep, nil); err != nil {
		t.Fatal(err)
	}
	if len(f.snapIn) != 0 || len(f.deletes) != 0 {
		t.Errorf("retentionDays 0 looked up %d and deleted %d snapshots; want none", len(f.snapIn), len(f.deletes))
	}
}

func TestBackoffOnThrottling(t *testing.T) {
	f := &fakeEC2{
		instancePages: [][]ec2types.Instance{{instance("i-1", "vol-a")}},
		throttle:      map[string]int{"DescribeInstances": 2, "CreateSnapshot": 3},
	}
	var slept sleeps
	if _, err := executor(f, &slept).Execute(t.Context(), task, nil); err != nil {
		t.Fatal(err)
	}
	// Full jitter at 0.5 of 1 s, 2 s, then 1 s, 2 s, 4 s.
	want := sleeps{500 * time.Millisecond, time.Second, 500 * time.Millisecond, time.Second, 2 * time.Second}
	if !slices.Equal(slept, want) {
		t.Errorf("slept %v; want %v", slept, want)
	}
	if len(f.creates) != 1 {
		t.Errorf("got %d snapshots; want 1", len(f.creates))
	}

	// Throttled past the attempts: the error says so.
	f = &fakeEC2{instancePages: [][]ec2types.Instance{{instance("i-1", "vol-a")}}, throttle: map[string]int{"DescribeInstances": 100}}
	slept = nil
	_, err := executor(f, &slept).Execute(t.Context(), task, nil)
	if err == nil || !strings.Contains(err.Error(), "RequestLimitExceeded") || len(slept) != 4 {
		t.Errorf("got %v after %d sleeps; want RequestLimitExceeded after 4 (5 attempts)", err, len(slept))
	}
	// The waits are capped at Max.
	if slept[3] != 2500*time.Millisecond {
		t.Errorf("fourth wait %v; want 2.5s (half of Max)", slept[3])
	}
}

func TestDryRunSendsTheFlagAndCountsDryRunOperationAsSuccess(t *testing.T) {
	f := &fakeEC2{instancePages: [][]ec2types.Instance{{instance("i-1", "vol-a", "vol-b")}}, snapshotPages: [][]ec2types.Snapshot{{snapshot("snap-old", 8*24*time.Hour)}}}
	dry := task
	dry.DryRun = true
	d, err := executor(f, new(sleeps)).Execute(t.Context(), dry, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range f.creates {
		if !aws.ToBool(c.DryRun) {
			t.Errorf("CreateSnapshot of %s without DryRun", *c.VolumeId)
		}
	}
	if len(f.deletes) != 1 || !aws.ToBool(f.deletes[0].DryRun) {
		t.Errorf("DeleteSnapshot calls %+v; want one with DryRun", f.deletes)
	}
	if got := fmt.Sprint(d["created"], d["expired"], d["dryRun"]); got != "[vol-a vol-b] [snap-old] true" {
		t.Errorf("details: %s", got)
	}
}

func TestOneFailureDoesNotStopTheOthers(t *testing.T) {
	f := &fakeEC2{
		instancePages: [][]ec2types.Instance{{instance("i-1", "vol-a", "vol-b")}},
		snapshotPages: [][]ec2types.Snapshot{{snapshot("snap-1", 8*24*time.Hour), snapshot("snap-2", 8*24*time.Hour)}},
		fail: map[string]error{
			"vol-a":  &smithy.GenericAPIError{Code: "IncorrectState", Message: "volume is in error state"},
			"snap-1": &smithy.GenericAPIError{Code: "InvalidSnapshot.InUse", Message: "in use by ami-1"},
		},
	}
	d, err := executor(f, new(sleeps)).Execute(t.Context(), task, nil)
	if err == nil || !strings.Contains(err.Error(), "vol-a") || !strings.Contains(err.Error(), "snap-1") {
		t.Errorf("error %v; want both failures", err)
	}
	if got := fmt.Sprint(d["created"], d["expired"]); got != "[snap-of-vol-b] [snap-2]" {
		t.Errorf("details: %s", got)
	}
}

func TestParseTarget(t *testing.T) {
	for in, want := range map[string]Target{"Backup=nightly": {"Backup", "nightly"}, "tag:a=b=c": {"a", "b=c"}} {
		if got, err := ParseTarget(in); err != nil || got != want {
			t.Errorf("ParseTarget(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "Backup", "=x", "x="} {
		if _, err := ParseTarget(bad); err == nil || !strings.Contains(err.Error(), "Key=Value") {
			t.Errorf("ParseTarget(%q): %v; want an error naming the form", bad, err)
		}
	}
}
