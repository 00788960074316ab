// Command indexer keeps the data lake's search index in step with its
// catalog: a DynamoDB stream event source mapping on the catalog table
// (NEW_AND_OLD_IMAGES, FunctionResponseTypes ReportBatchItemFailures)
// invokes it (through its alias) with events.DynamoDBEvent batches, and it
// applies each batch to an OpenSearch Service index in one signed _bulk
// request (see patterns/datalake/searchindex), returning an
// events.DynamoDBEventResponse that names the records OpenSearch refused.
// Built for provided.al2023 as bootstrap with -tags lambda.norpc.
//
// Environment: SEARCH_ENDPOINT (required) is the domain's https:// endpoint;
// SEARCH_INDEX (default "lake-catalog") names the index, created with an
// explicit mapping on first use; REPORT_BATCH_ITEM_FAILURES (default
// "true") must be "false" when the mapping does not report batch item
// failures, so that a refused record fails the whole batch instead of
// being dropped. AWS_REGION, set by Lambda, is the region signed for.
//
// Permissions: es:ESHttpHead, es:ESHttpPut and es:ESHttpPost on
// arn:aws:es:<region>:<account>:domain/<domain>/<index> and …/<index>/*;
// dynamodb:DescribeStream, GetRecords, GetShardIterator and ListStreams on
// the table's stream (for the mapping).
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/kumo-iac/kumo/patterns/datalake/searchindex"
)

type settings struct {
	endpoint, index string
	reportItems     bool
}

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	s, err := settingsFromEnv(os.Getenv)
	if err != nil {
		// Exiting during init makes Lambda report Runtime.ExitError with
		// this line in the logs, instead of failing every batch later.
		log.Error(err.Error())
		os.Exit(1)
	}
	// The client is built once per execution environment so that warm
	// invocations reuse credentials and connections; its timeouts and
	// retries are searchindex's.
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		log.Error("load AWS config", slog.String("error", err.Error()))
		os.Exit(1)
	}
	client, err := searchindex.NewClient(s.endpoint, cfg, nil)
	if err != nil {
		log.Error(err.Error())
		os.Exit(1)
	}
	lambda.Start(searchindex.New(client, s.index, s.reportItems, log).Handle)
}

// settingsFromEnv reads the environment, reporting every problem at once.
func settingsFromEnv(getenv func(string) string) (settings, error) {
	s := settings{endpoint: getenv("SEARCH_ENDPOINT"), index: getenv("SEARCH_INDEX"), reportItems: true}
	var errs []error
	if s.endpoint == "" {
		errs = append(errs, fmt.Errorf("SEARCH_ENDPOINT is not set: set it to the OpenSearch Service domain's endpoint, https://search-<domain>-<id>.<region>.es.amazonaws.com"))
	}
	if s.index == "" {
		s.index = searchindex.DefaultIndex
	} else if err := searchindex.ValidateIndexName(s.index); err != nil {
		errs = append(errs, fmt.Errorf("SEARCH_INDEX: %w", err))
	}
	switch v := getenv("REPORT_BATCH_ITEM_FAILURES"); v {
	case "", "true":
	case "false":
		s.reportItems = false
	default:
		errs = append(errs, fmt.Errorf("REPORT_BATCH_ITEM_FAILURES is %q: set it to true when the event source mapping's FunctionResponseTypes include ReportBatchItemFailures, else false", v))
	}
	if len(errs) > 0 {
		msgs := make([]string, len(errs))
		for i, e := range errs {
			msgs[i] = e.Error()
		}
		return settings{}, errors.New(strings.Join(msgs, "; ")) // one log line
	}
	return s, nil
}
