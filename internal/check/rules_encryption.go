package check

import (
	"strings"

	"github.com/kumo-iac/kumo/internal/synth"
)

// kumo's own promises about data: at rest it is encrypted, in transit it
// travels over TLS only.

const (
	encSNSTopic        = "aws:sns/topic:Topic"
	encSQSQueue        = "aws:sqs/queue:Queue"
	encSNSSubscription = "aws:sns/topicSubscription:TopicSubscription"
)

func init() {
	register(
		// Kumo-EncryptionAtRest: the data of every resource kumo knows to
		// hold it is encrypted at rest. Only services that do not encrypt by
		// default, or where encryption is turned off, are findings:
		//
		//   - SNS topics: messages are encrypted at rest only with SSE, i.e.
		//     kmsMasterKeyId set ("Server-side encryption (SSE) lets you store
		//     sensitive data in encrypted topics",
		//     https://docs.aws.amazon.com/sns/latest/dg/sns-server-side-encryption.html).
		//     cdk-nag dropped its check (AwsSolutions-SNS2) in 2024.
		//   - SQS queues: "all newly created queues using HTTPS (TLS) and
		//     Signature Version 4 endpoints are encrypted using SQS-owned
		//     encryption (SSE-SQS) by default"
		//     (https://aws.amazon.com/blogs/compute/announcing-server-side-encryption-with-amazon-simple-queue-service-managed-encryption-keys-sse-sqs-by-default/);
		//     only sqsManagedSseEnabled false without kmsMasterKeyId is
		//     unencrypted (AwsSolutions-SQS2's check).
		//   - Kinesis streams: encryptionType defaults to NONE; SSE is
		//     StartStreamEncryption with KMS
		//     (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_StartStreamEncryption.html).
		//   - Firehose delivery streams: serverSideEncryption.enabled defaults
		//     to false; with a Kinesis data stream as source Firehose keeps no
		//     data at rest, the stream does
		//     (https://docs.aws.amazon.com/firehose/latest/dev/encryption.html).
		//   - OpenSearch (and Elasticsearch) domains: encryption at rest is an
		//     option of the domain, off unless encryptAtRest.enabled
		//     (https://docs.aws.amazon.com/opensearch-service/latest/developerguide/encryption-at-rest.html).
		//
		// Not findings, because AWS always encrypts them: DynamoDB tables
		// ("Server-side encryption at rest is enabled on all DynamoDB table
		// data and cannot be disabled", serverSideEncryption.enabled false
		// means the AWS owned key,
		// https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/encryption.usagenotes.html),
		// and S3 objects (SSE-S3 by default since January 2023, why cdk-nag
		// removed AwsSolutions-S3).
		//
		// Values synth cannot know count as set. For SQS, Kinesis, Firehose
		// and OpenSearch this repeats cdk-nag's SQS2, KDS1, KDF1 and OS8 on
		// purpose: this rule is the one promise that holds for every
		// service, whichever pack a team reads.
		Rule{
			ID: "Kumo-EncryptionAtRest", Level: Error,
			Types: []string{encSNSTopic, encSQSQueue, typeKinesisStream, typeFirehoseDeliveryStream, typeOpenSearchDomain, typeElasticsearchDomain},
			What:  "The resource stores data at rest without encryption.",
			Why:   "AWS encrypts DynamoDB tables, S3 objects and SQS queues at rest by default, but not SNS topics, Kinesis streams, Firehose delivery streams or OpenSearch domains, and SQS encryption can be turned off. Unencrypted data at rest is readable by anyone who reaches the storage, and most compliance regimes require encryption.",
			Fix:   "SNS topic: set kmsMasterKeyId (\"alias/aws/sns\" or a key of your own). SQS queue: leave sqsManagedSseEnabled unset or true (kumo's constructs set it), or set kmsMasterKeyId. Kinesis stream: encryptionType \"KMS\" with kmsKeyId. Firehose: serverSideEncryption {enabled: true}. OpenSearch: encryptAtRest {enabled: true}.",
			Check: checkEncryptionAtRest,
		},
		// Kumo-TLSOnly: data travels over TLS only. cdk-nag already requires
		// it of every resource policy kumo emits or reads: S3 bucket
		// policies (AwsSolutions-S10), SQS queue policies, inline or
		// aws:sqs/queuePolicy (AwsSolutions-SQS4), and SNS topic policies or
		// SSE, which makes SNS refuse plain HTTP (AwsSolutions-SNS3). This
		// rule covers what those leave open:
		//
		//   - OpenSearch (and Elasticsearch) domains answer plain HTTP unless
		//     domainEndpointOptions.enforceHttps ("True to require that all
		//     traffic to the domain arrive over HTTPS",
		//     https://docs.aws.amazon.com/opensearch-service/latest/APIReference/API_DomainEndpointOptions.html);
		//     pulumi-aws defaults it to true, so only an explicit false is a
		//     finding.
		//   - SNS subscriptions with protocol "http" deliver every message in
		//     clear text (https://docs.aws.amazon.com/sns/latest/dg/sns-http-https-endpoint-as-subscriber.html);
		//     "https" is the same feature over TLS.
		Rule{
			ID: "Kumo-TLSOnly", Level: Error,
			Types: []string{typeOpenSearchDomain, typeElasticsearchDomain, encSNSSubscription},
			What:  "The resource accepts or sends data over plain HTTP.",
			Why:   "Without HTTPS (TLS), a network-based attacker can eavesdrop on network traffic or manipulate it, using an attack such as person-in-the-middle. S3, SQS and SNS resource policies are held to this by AwsSolutions-S10, SQS4 and SNS3; this rule covers the endpoints and deliveries they do not.",
			Fix:   "OpenSearch: leave domainEndpointOptions.enforceHttps unset or true (and tlsSecurityPolicy \"Policy-Min-TLS-1-2-2019-07\"). SNS subscription: use protocol \"https\" with an https:// endpoint.",
			Check: checkTLSOnly,
		},
	)
}

func checkEncryptionAtRest(r *synth.Resource, _ *synth.Stack) []Hit {
	switch r.Type {
	case encSNSTopic:
		if !set(r, "kmsMasterKeyId") {
			return hit("kmsMasterKeyId is not set: SNS stores the topic's messages unencrypted")
		}
	case encSQSQueue:
		if boolIs(r, "sqsManagedSseEnabled", false) && !set(r, "kmsMasterKeyId") {
			return hit("sqsManagedSseEnabled is false and kmsMasterKeyId is not set: the queue's messages are stored unencrypted")
		}
	case typeKinesisStream:
		if !kinesisEncrypted(r) {
			return hit("encryptionType is %s: the stream's records are stored unencrypted", shownInput(r, "encryptionType", "not set (NONE)"))
		}
	case typeFirehoseDeliveryStream:
		if !firehoseEncrypted(r) {
			return hit("serverSideEncryption.enabled is %s and the stream has no Kinesis source: records are buffered without server-side encryption", shownInput(r, "serverSideEncryption.enabled", "not set (false)"))
		}
	case typeOpenSearchDomain, typeElasticsearchDomain:
		v, ok := r.Value("encryptAtRest.enabled")
		if !ok || (v != true && !synth.Unknown(v)) {
			return hit("encryptAtRest.enabled is %s: the domain's indexes and snapshots are stored unencrypted", shownInput(r, "encryptAtRest.enabled", "not set (false)"))
		}
	}
	return nil
}

func checkTLSOnly(r *synth.Resource, _ *synth.Stack) []Hit {
	if r.Type == encSNSSubscription {
		if p, ok := r.String("protocol"); ok && strings.EqualFold(p, "http") {
			return hit("protocol is %q: SNS delivers messages to the endpoint over plain HTTP", p)
		}
		return nil
	}
	if boolIs(r, "domainEndpointOptions.enforceHttps", false) {
		return hit("domainEndpointOptions.enforceHttps is false: the domain answers plain HTTP")
	}
	return nil
}
