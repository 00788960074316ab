// Package snapshots is the operations automation pattern's EBS snapshot
// task executor (action "ebs-snapshot", see patterns/ops/tasks): it
// snapshots every EBS volume attached to the instances carrying the task's
// tag, tags each snapshot with the task's ID, and deletes the task's
// snapshots older than the task's retention.
//
// EC2 throttles each account's API calls and answers RequestLimitExceeded
// beyond the limit; AWS asks callers to retry with exponential backoff
// (https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html).
// Every call here is retried on throttling with capped exponential backoff
// and full jitter, on top of the SDK's own few attempts, so that a task
// over hundreds of volumes slows down instead of failing.
//
// In dry-run mode CreateSnapshot and DeleteSnapshot are sent with EC2's
// DryRun flag: EC2 checks the permissions and answers DryRunOperation
// instead of acting, which counts as success
// (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/CommonParameters.html).
// The Describe calls are sent without it, since a dry-run Describe
// returns no data.
package snapshots

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"

	"github.com/kumo-iac/kumo/internal/ctxsleep"
	"github.com/kumo-iac/kumo/patterns/ops/tasks"
)

// Action is the task action this executor runs.
const Action = "ebs-snapshot"

// TaskTag is the tag key on every snapshot made, whose value is the task's
// ID; expiry considers only snapshots carrying it with the task's ID.
const TaskTag = "kumo:ops:task"

// EC2 is the part of the EC2 API the Executor calls. *ec2.Client
// satisfies it.
type EC2 interface {
	DescribeInstances(ctx context.Context, in *ec2.DescribeInstancesInput, optFns ...func(*ec2.Options)) (*ec2.DescribeInstancesOutput, error)
	CreateSnapshot(ctx context.Context, in *ec2.CreateSnapshotInput, optFns ...func(*ec2.Options)) (*ec2.CreateSnapshotOutput, error)
	DescribeSnapshots(ctx context.Context, in *ec2.DescribeSnapshotsInput, optFns ...func(*ec2.Options)) (*ec2.DescribeSnapshotsOutput, error)
	DeleteSnapshot(ctx context.Context, in *ec2.DeleteSnapshotInput, optFns ...func(*ec2.Options)) (*ec2.DeleteSnapshotOutput, error)
}

var _ EC2 = (*ec2.Client)(nil)

// Backoff is the retry policy on throttling: attempt n (from 0) waits a
// random time up to min(Max, Base·2ⁿ) ("full jitter").
type Backoff struct {
	Base, Max time.Duration
	// Attempts counts the first call and the retries.
	Attempts int
	// Sleep waits d or until ctx ends; nil means a timer. Tests replace it.
	Sleep func(ctx context.Context, d time.Duration) error
	// Rand returns a number in [0, 1); nil means math/rand/v2.
	Rand func() float64
}

// DefaultBackoff waits up to 0.5, 1, 2, 4, 8, 16 and 20 s, about a
// minute in all.
var DefaultBackoff = Backoff{Base: 500 * time.Millisecond, Max: 20 * time.Second, Attempts: 8}

// Executor is the "ebs-snapshot" task executor.
type Executor struct {
	// Client returns the EC2 client for creds (nil: the function's own).
	Client  func(creds aws.CredentialsProvider) EC2
	Backoff Backoff
	// Now is the clock retention is measured on; nil means time.Now.
	Now func() time.Time
}

var _ tasks.Executor = (*Executor)(nil)

// Target is a task's target, an instance tag: "Key=Value", or
// "tag:Key=Value".
type Target struct{ Key, Value string }

// ParseTarget parses a task's target.
func ParseTarget(s string) (Target, error) {
	k, v, ok := strings.Cut(strings.TrimPrefix(s, "tag:"), "=")
	if !ok || k == "" || v == "" {
		return Target{}, fmt.Errorf("target %q: use the instances' tag as Key=Value, such as Backup=nightly", s)
	}
	return Target{Key: k, Value: v}, nil
}

// Execute snapshots the target's volumes, then expires the task's old
// snapshots. A volume or snapshot that fails does not stop the others;
// the error joins every failure. Details: instances, volumes, created
// (snapshot IDs; in dry run, the volume IDs that would be), expired, and
// dryRun.
func (e *Executor) Execute(ctx context.Context, t tasks.Task, creds aws.CredentialsProvider) (map[string]any, error) {
	target, err := ParseTarget(t.Target)
	if err != nil {
		return nil, err
	}
	c := e.Client(creds)
	now := time.Now()
	if e.Now != nil {
		now = e.Now()
	}
	details := map[string]any{"dryRun": t.DryRun}
	vols, instances, err := e.volumes(ctx, c, target)
	details["instances"] = instances
	details["volumes"] = volumeIDs(vols)
	if err != nil {
		return details, err
	}
	var errs []error
	created := []string{}
	for _, v := range vols {
		id, err := e.snapshot(ctx, c, t, v)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		created = append(created, id)
	}
	details["created"] = created
	expired := []string{}
	if t.RetentionDays > 0 {
		old, err := e.expired(ctx, c, t, now)
		if err != nil {
			errs = append(errs, err)
		}
		for _, id := range old {
			err := e.retry(ctx, func() error {
				_, err := c.DeleteSnapshot(ctx, &ec2.DeleteSnapshotInput{SnapshotId: aws.String(id), DryRun: aws.Bool(t.DryRun)})
				return err
			})
			if err = dryRunOK(err); err != nil {
				errs = append(errs, fmt.Errorf("delete snapshot %s: %w", id, err))
				continue
			}
			expired = append(expired, id)
		}
	}
	details["expired"] = expired
	return details, errors.Join(errs...)
}

// Volume is an attached EBS volume.
type Volume struct {
	ID, InstanceID, Device string
}

func volumeIDs(vs []Volume) []string {
	ids := make([]string, len(vs))
	for i, v := range vs {
		ids[i] = v.ID
	}
	return ids
}

// volumes lists the EBS volumes attached to the target's instances that
// are not terminated, each once (a multi-attached volume is snapshotted
// once), sorted by volume ID.
func (e *Executor) volumes(ctx context.Context, c EC2, target Target) ([]Volume, []string, error) {
	in := &ec2.DescribeInstancesInput{Filters: []ec2types.Filter{
		{Name: aws.String("tag:" + target.Key), Values: []string{target.Value}},
		{Name: aws.String("instance-state-name"), Values: []string{"pending", "running", "stopping", "stopped"}},
	}}
	seen := map[string]bool{}
	var vols []Volume
	instances := []string{}
	for {
		var out *ec2.DescribeInstancesOutput
		err := e.retry(ctx, func() (err error) { out, err = c.DescribeInstances(ctx, in); return err })
		if err != nil {
			return nil, instances, fmt.Errorf("describe instances tagged %s=%s: %w", target.Key, target.Value, err)
		}
		for _, r := range out.Reservations {
			for _, i := range r.Instances {
				instances = append(instances, aws.ToString(i.InstanceId))
				for _, m := range i.BlockDeviceMappings {
					if m.Ebs == nil || m.Ebs.VolumeId == nil || seen[*m.Ebs.VolumeId] {
						continue
					}
					seen[*m.Ebs.VolumeId] = true
					vols = append(vols, Volume{ID: *m.Ebs.VolumeId, InstanceID: aws.ToString(i.InstanceId), Device: aws.ToString(m.DeviceName)})
				}
			}
		}
		if aws.ToString(out.NextToken) == "" {
			break
		}
		in.NextToken = out.NextToken
	}
	slices.Sort(instances)
	slices.SortFunc(vols, func(a, b Volume) int { return strings.Compare(a.ID, b.ID) })
	return vols, instances, nil
}

// snapshot starts a snapshot of v, tagged in the same call (so that no
// untagged snapshot escapes expiry); in dry run it returns the volume ID.
func (e *Executor) snapshot(ctx context.Context, c EC2, t tasks.Task, v Volume) (string, error) {
	in := &ec2.CreateSnapshotInput{
		VolumeId:    aws.String(v.ID),
		Description: aws.String(fmt.Sprintf("kumo ops task %s: %s %s", t.TaskID, v.InstanceID, v.Device)),
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeSnapshot, Tags: []ec2types.Tag{
			{Key: aws.String(TaskTag), Value: aws.String(t.TaskID)},
			{Key: aws.String("kumo:ops:instance"), Value: aws.String(v.InstanceID)},
			{Key: aws.String("Name"), Value: aws.String(t.TaskID + " " + v.InstanceID + " " + v.Device)},
		}}},
		DryRun: aws.Bool(t.DryRun),
	}
	var out *ec2.CreateSnapshotOutput
	err := dryRunOK(e.retry(ctx, func() (err error) { out, err = c.CreateSnapshot(ctx, in); return err }))
	switch {
	case err != nil:
		return "", fmt.Errorf("create snapshot of %s (%s %s): %w", v.ID, v.InstanceID, v.Device, err)
	case t.DryRun:
		return v.ID, nil
	}
	return aws.ToString(out.SnapshotId), nil
}

// expired lists the task's own snapshots started more than RetentionDays
// before now, sorted by ID.
func (e *Executor) expired(ctx context.Context, c EC2, t tasks.Task, now time.Time) ([]string, error) {
	cutoff := now.Add(-time.Duration(t.RetentionDays) * 24 * time.Hour)
	in := &ec2.DescribeSnapshotsInput{OwnerIds: []string{"self"}, Filters: []ec2types.Filter{{Name: aws.String("tag:" + TaskTag), Values: []string{t.TaskID}}}}
	var ids []string
	for {
		var out *ec2.DescribeSnapshotsOutput
		err := e.retry(ctx, func() (err error) { out, err = c.DescribeSnapshots(ctx, in); return err })
		if err != nil {
			return ids, fmt.Errorf("describe snapshots of task %s: %w", t.TaskID, err)
		}
		for _, s := range out.Snapshots {
			if s.StartTime != nil && s.StartTime.Before(cutoff) {
				ids = append(ids, aws.ToString(s.SnapshotId))
			}
		}
		if aws.ToString(out.NextToken) == "" {
			break
		}
		in.NextToken = out.NextToken
	}
	slices.Sort(ids)
	return ids, nil
}

// Throttled says whether err is EC2 throttling: RequestLimitExceeded, or
// SnapshotCreationPerVolumeRateExceeded for snapshots of one volume in
// quick succession
// (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html).
func Throttled(err error) bool {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return false
	}
	switch ae.ErrorCode() {
	case "RequestLimitExceeded", "SnapshotCreationPerVolumeRateExceeded", "Throttling", "ThrottlingException":
		return true
	}
	return false
}

// dryRunOK turns EC2's DryRunOperation ("the request would have
// succeeded") into success.
func dryRunOK(err error) error {
	var ae smithy.APIError
	if errors.As(err, &ae) && ae.ErrorCode() == "DryRunOperation" {
		return nil
	}
	return err
}

// retry calls f until it is not throttled or the attempts run out.
func (e *Executor) retry(ctx context.Context, f func() error) error {
	b := e.Backoff
	if b.Attempts < 1 {
		b = DefaultBackoff
	}
	sleep, rnd := b.Sleep, b.Rand
	if sleep == nil {
		sleep = ctxsleep.Sleep
	}
	if rnd == nil {
		rnd = rand.Float64
	}
	var err error
	for n := range b.Attempts {
		if err = f(); !Throttled(err) || n == b.Attempts-1 {
			return err
		}
		ceiling := b.Max
		if n < 30 { // Base<<n would overflow
			ceiling = min(b.Max, b.Base<<n)
		}
		if serr := sleep(ctx, time.Duration(rnd()*float64(ceiling))); serr != nil {
			return errors.Join(err, serr)
		}
	}
	return err
}
