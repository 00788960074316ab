// Command archive is one of the stream processing pattern's file fan-out
// subscribers (see patterns/streams/convert): for each object an S3
// upload notification names, it writes a GZIP copy to OUTPUT_BUCKET under
// OUTPUT_PREFIX + the key + ".gz". It takes the notification as the SNS
// topic invokes it (events.SNSEvent), as a subscribed queue's event source
// mapping does (events.SQSEvent, raw message delivery on or off; it then
// answers with batch item failures), or straight from S3. Built for
// provided.al2023 as bootstrap with -tags lambda.norpc.
//
// Environment: OUTPUT_BUCKET (required); OUTPUT_PREFIX (default
// "archive/"); MAX_OBJECT_BYTES (default 104857600).
//
// Permissions: as resize's.
package main

import (
	"os"

	"github.com/kumo-iac/kumo/patterns/streams/convert"
	"github.com/kumo-iac/kumo/patterns/streams/functions/internal/subscriber"
)

func main() { subscriber.Run(convert.ArchiverFromEnv, os.Getenv) }
