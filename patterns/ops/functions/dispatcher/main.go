// Command dispatcher is the operations automation pattern's scheduled-job
// dispatcher (see patterns/ops/tasks): an EventBridge schedule invokes it
// (through its alias) with a scheduled event; it runs the tasks of
// TASK_TABLE that are due at the event's time, records each run in
// RUNS_TABLE, publishes failed runs to FAILURE_TOPIC_ARN, and answers
// with a tasks.Summary. Its one executor is patterns/ops/snapshots
// ("ebs-snapshot"). Built for provided.al2023 as bootstrap with
// -tags lambda.norpc.
//
// Environment: TASK_TABLE, RUNS_TABLE, FAILURE_TOPIC_ARN (required);
// RUN_TTL_DAYS (default 30).
//
// Permissions: dynamodb:Scan and UpdateItem on the task table;
// dynamodb:PutItem on the runs table; sns:Publish on the topic;
// sts:AssumeRole on the roles tasks name; for "ebs-snapshot",
// ec2:DescribeInstances, ec2:DescribeSnapshots (no resource-level
// permissions), ec2:CreateSnapshot on volumes and snapshots,
// ec2:CreateTags on snapshots with ec2:CreateAction CreateSnapshot, and
// ec2:DeleteSnapshot (best conditioned on aws:ResourceTag/kumo:ops:task).
package main

import (
	"context"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/kumo-iac/kumo/internal/awsconfig"
	"github.com/kumo-iac/kumo/patterns/ops/metrics"
	"github.com/kumo-iac/kumo/patterns/ops/snapshots"
	"github.com/kumo-iac/kumo/patterns/ops/tasks"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	// Clients are built once per execution environment. Every call is
	// bounded: 10 s per attempt, at most 3 attempts with the SDK's
	// jittered backoff; EC2 throttling is retried further, with more
	// patience, by the snapshots executor.
	cfg, err := awsconfig.Load(context.Background(), awsconfig.Bounds{AttemptTimeout: 10 * time.Second, MaxAttempts: 3, MaxBackoff: 2 * time.Second})
	if err != nil {
		log.Error("load AWS config", slog.String("error", err.Error()))
		os.Exit(1)
	}
	own := ec2.NewFromConfig(cfg)
	snap := &snapshots.Executor{Client: func(creds aws.CredentialsProvider) snapshots.EC2 {
		if creds == nil {
			return own
		}
		return ec2.NewFromConfig(cfg, func(o *ec2.Options) { o.Credentials = creds })
	}}
	d, err := tasks.FromEnv(dynamodb.NewFromConfig(cfg), sts.NewFromConfig(cfg), sns.NewFromConfig(cfg),
		map[string]tasks.Executor{snapshots.Action: snap}, os.Getenv, metrics.New(os.Stdout, "dispatcher"), log)
	if err != nil {
		// Exiting during init makes Lambda report Runtime.ExitError with
		// this line in the logs, instead of failing every tick later.
		log.Error(err.Error())
		os.Exit(1)
	}
	lambda.Start(d.Handle)
}
