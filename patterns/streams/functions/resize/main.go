// Command resize is one of the stream processing pattern's file fan-out
// subscribers (see patterns/streams/convert): for each object an S3
// upload notification names, it downscales JPEG and PNG images to fit
// MAX_WIDTH × MAX_HEIGHT and writes them to OUTPUT_BUCKET under
// OUTPUT_PREFIX + the source key. It takes the notification as the SNS
// topic invokes it (events.SNSEvent, the S3 event as the message), as a
// subscribed queue's event source mapping does (events.SQSEvent, raw
// message delivery on or off; it then answers with batch item failures),
// or straight from S3. Built for provided.al2023 as bootstrap with
// -tags lambda.norpc.
//
// Environment: OUTPUT_BUCKET (required); OUTPUT_PREFIX (default
// "resized/"); MAX_WIDTH and MAX_HEIGHT (default 1024); MAX_OBJECT_BYTES
// (default 104857600).
//
// Permissions: s3:GetObject (and s3:GetObjectVersion in a versioned
// bucket) on the source bucket; s3:PutObject on OUTPUT_PREFIX* in the
// output bucket; kms:Decrypt and kms:GenerateDataKey on the buckets' keys
// when they are customer managed; from a queue, sqs:ReceiveMessage,
// DeleteMessage and GetQueueAttributes on it.
package main

import (
	"os"

	"github.com/kumo-iac/kumo/patterns/streams/convert"
	"github.com/kumo-iac/kumo/patterns/streams/functions/internal/subscriber"
)

func main() { subscriber.Run(convert.ResizerFromEnv, os.Getenv) }
