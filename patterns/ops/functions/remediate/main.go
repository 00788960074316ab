// Command remediate is the operations automation pattern's security group
// policy enforcement (see patterns/ops/secgroups): an EventBridge rule
// (source aws.ec2, detail-type "AWS API Call via CloudTrail", eventName
// AuthorizeSecurityGroupIngress or ModifySecurityGroupRules) invokes it
// (through its alias) with the event; it revokes the rules that open a
// forbidden port to the internet and publishes an alert. Built for
// provided.al2023 as bootstrap with -tags lambda.norpc.
//
// Environment: ALERT_TOPIC_ARN (required); REPORT_ONLY (default false);
// FORBIDDEN_PORTS (default "22,3389,3306,5432,1433,27017,6379");
// ALLOWED_CIDRS (optional, comma-separated).
//
// Permissions: ec2:RevokeSecurityGroupIngress on the account's security
// groups (arn:aws:ec2:<region>:<account>:security-group/*); sns:Publish on
// the topic.
package main

import (
	"context"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/kumo-iac/kumo/internal/awsconfig"
	"github.com/kumo-iac/kumo/patterns/ops/metrics"
	"github.com/kumo-iac/kumo/patterns/ops/secgroups"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	// Clients are built once per execution environment. Every call is
	// bounded: 5 s per attempt, at most 5 attempts with the SDK's
	// jittered exponential backoff (RequestLimitExceeded included), so
	// that a revocation is tried hard before the alert says it failed.
	cfg, err := awsconfig.Load(context.Background(), awsconfig.Bounds{AttemptTimeout: 5 * time.Second, MaxAttempts: 5, MaxBackoff: 5 * time.Second})
	if err != nil {
		log.Error("load AWS config", slog.String("error", err.Error()))
		os.Exit(1)
	}
	r, err := secgroups.FromEnv(ec2.NewFromConfig(cfg), sns.NewFromConfig(cfg), os.Getenv, metrics.New(os.Stdout, "remediate"), log)
	if err != nil {
		log.Error(err.Error())
		os.Exit(1)
	}
	lambda.Start(r.Handle)
}
