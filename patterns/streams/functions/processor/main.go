// Command processor is the example processor the stream processing
// pattern's dispatcher fans out to (see patterns/streams/fanout): the
// dispatcher invokes it (through its alias) synchronously with
// {"items":[{"id","partitionKey","data"}]} (data base64), and it validates
// each record as a sensor message, counts readings per device, and
// answers {"processed","failures":[{"id","reason"}],"readings","skipped",
// "devices"}, the malformed records as failures. Built for
// provided.al2023 as bootstrap with -tags lambda.norpc.
//
// Environment: none. Permissions: none beyond its logs.
package main

import (
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/kumo-iac/kumo/patterns/streams/fanout"
)

func main() {
	p := &fanout.Processor{Log: slog.New(slog.NewJSONHandler(os.Stderr, nil))}
	lambda.Start(p.Handle)
}
