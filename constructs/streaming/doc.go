// Package streaming holds kumo's constructs for data in motion: Kinesis
// data streams (Stream, consumed by a function through Stream.ConsumeWith),
// Firehose delivery streams to S3 (DeliveryStream) and AWS IoT rules into a
// stream (TopicRule). They are constructs like package constructs' (the
// same constructor shape, validation before anything is registered, grants,
// kumo:constructs:… type tokens), in a package of their own so that
// programs without them do not link the Kinesis and IoT SDK packages.
package streaming
