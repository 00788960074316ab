package cost

import (
	"fmt"
	"math/big"
	"sort"
	"strings"
)

// rules price each billed resource type from its inputs and activity.
// Every rule states its billing formula and where it comes from.
var rules map[string]func(p *pricer, n *node)

func init() {
	rules = map[string]func(p *pricer, n *node){
		typeFunction:     priceFunction,
		typeRestAPI:      priceRestAPI,
		typeStage:        priceStage,
		typeTable:        priceTable,
		typeTableReplica: priceTableReplica,
		typeBucket:       priceBucket,
		typeLifecycle:    priceLifecycle,
		typeDistribution: priceDistribution,
		typeStream:       priceStream,
		typeFirehose:     priceFirehose,
		typeStateMachine: priceStateMachine,
		typeDomain:       priceDomain,
		typeCrawler:      priceCrawler,
		typeWorkgroup:    priceWorkgroup,
		typeAlarm:        priceAlarm,
		typeLogGroup:     priceLogGroup,
		typeMetricFilter: priceMetricFilter,
		typeUserPool:     priceUserPool,
		typeHealthCheck:  priceHealthCheck,
		typeRecord:       priceRecord,
		typeQueue:        priceQueue,
		typeTopic:        priceTopic,
		typeKey:          priceKey,
		typeTrail:        priceTrail,
		typeTopicRule:    priceTopicRule,
		typeCodeBuild:    priceCodeBuild,
		typePipeline:     pricePipeline,
	}
}

// ruleDocs say what each rule bills, with the price keys, for the README's
// table of what kumo cost prices (generated and checked by readme_test.go).
var ruleDocs = map[string]string{
	typeFunction:     "requests (`lambda.requests`) and GB-seconds by architecture (`lambda.gb_second.arm64`, `.x86_64`): invocations × duration rounded up to 1 ms × memory ÷ 1,024; ephemeral storage above 512 MB (`lambda.ephemeral_gb_second`)",
	typeRestAPI:      "requests, per million in tiers (`apigateway.rest.requests`)",
	typeStage:        "the stage cache per hour by size, when enabled (`apigateway.cache.<size>gb.hour`, fixed); free otherwise",
	typeTable:        "on-demand writes (`dynamodb.ondemand.write_request_unit`: 1 per KB, table and each global secondary index) and reads (`…read_request_unit`: ½ per 4 KB, eventually consistent), storage with ALL-projection indexes (`dynamodb.storage_gb_month`), PITR (`dynamodb.pitr_gb_month`); provisioned tables are reported unpriced",
	typeTableReplica: "replicated writes in the replica's region (`dynamodb.ondemand.replicated_write_request_unit`), its storage and PITR",
	typeBucket:       "storage by class from the lifecycle rules at steady state (`s3.standard.gb_month`, `s3.standard_ia.gb_month`, `s3.glacier_ir.gb_month`), PUT (`s3.put_request_1000`) and GET (`s3.get_request_1000`) requests, retrieval from Standard-IA and Glacier IR (`s3.<class>.retrieval_gb`) for reads in proportion to each class's stored GB",
	typeLifecycle:    "transition requests into each class (`s3.lifecycle_transition_1000.<class>`); free without transitions",
	typeDistribution: "data out (`cloudfront.data_out_gb.<edge>`) and HTTPS requests (`cloudfront.https_requests_10000.<edge>`) at the edge geography of the stack's region (us, europe, japan; Japan served from US edges under PriceClass_100)",
	typeStream:       "provisioned: shard-hours (`kinesis.shard_hour`, fixed), PUT payload units of 25 KB (`kinesis.put_payload_unit_million`), retention over 24 h (`kinesis.extended_retention_shard_hour`, fixed); on-demand: stream-hours (fixed), GB in (1 KB rounding) and out per consumer",
	typeFirehose:     "ingestion per GB, each record rounded up to 5 KB (`firehose.ingest_gb`), and dynamic partitioning (`firehose.dynamic_partitioning_gb`)",
	typeStateMachine: "standard: state transitions on the success path, a Map's iterator per item (`sfn.standard.transition_1000`); express: requests and GB-seconds (`sfn.express.*`)",
	typeDomain:       "data-node and dedicated-master instance-hours (`opensearch.instance_hour.<type>`) and EBS storage per data node (`opensearch.gp3_gb_month`), all fixed",
	typeCrawler:      "DPU-hours per run (`glue.crawler_dpu_hour`)",
	typeWorkgroup:    "TB scanned, at least 10 MB a query (`athena.tb_scanned`)",
	typeAlarm:        "each metric an alarm reads, a month (`cloudwatch.alarm_standard_month`, fixed)",
	typeLogGroup:     "ingestion (`cloudwatch.logs.ingest_gb`) and storage for the retention (`cloudwatch.logs.storage_gb_month`)",
	typeMetricFilter: "the custom metric it publishes (`cloudwatch.metric_month`, fixed)",
	typeUserPool:     "monthly active users at the pool's plan, Essentials by default (`cognito.mau.<plan>`)",
	typeHealthCheck:  "the check and its optional features (HTTPS, string matching, fast interval, latency) a month (`route53.health_check_month.*`, `route53.health_check_optional_feature_month.*`, fixed)",
	typeRecord:       "queries of non-alias records (`route53.query_million`, not modelled: 0); alias records are free",
	typeQueue:        "3 requests (send, receive, delete) per message (`sqs.request_million`)",
	typeTopic:        "publishes (`sns.publish_million`); deliveries to SQS and Lambda are free",
	typeKey:          "the key a month (`kms.key_month`, fixed)",
	typeTrail:        "data events: object-level requests on the selected buckets (`cloudtrail.data_events_100000`); free for management events only",
	typeTopicRule:    "messages in 5 KB increments (`iot.messages_million`) and rules triggered (`iot.rules_million`)",
	typeCodeBuild:    "build minutes at the compute type (`codebuild.minute.<type>`)",
	typePipeline:     "V2 action execution minutes, approvals excepted (`codepipeline.v2.action_minute`)",
}

// freeTypes are resource types with no billing dimension of their own:
// configuration, permissions and wiring, whose traffic is billed on the
// service that carries it. Reasons follow infracost's list of free AWS
// resources (internal/providers/terraform/aws/registry.go, FreeResources)
// and the services' pricing pages.
var freeTypes = map[string]string{
	"aws:acm/certificateValidation:CertificateValidation":                                        "a certificate's DNS validation: no billing dimension",
	"aws:apigateway/account:Account":                                                             "API Gateway's account settings: no billing dimension",
	"aws:apigateway/authorizer:Authorizer":                                                       "API Gateway bills requests, not authorizers (a Lambda authorizer's invocations are on its function)",
	"aws:apigateway/basePathMapping:BasePathMapping":                                             "a custom domain's path mapping: no billing dimension",
	"aws:apigateway/deployment:Deployment":                                                       "an API deployment: no billing dimension",
	"aws:apigateway/domainName:DomainName":                                                       "a regional custom domain: no billing dimension (its ACM certificate is free)",
	"aws:apigateway/integration:Integration":                                                     "API Gateway bills requests, on the API",
	"aws:apigateway/integrationResponse:IntegrationResponse":                                     "API Gateway bills requests, on the API",
	"aws:apigateway/method:Method":                                                               "API Gateway bills requests, on the API",
	"aws:apigateway/methodResponse:MethodResponse":                                               "API Gateway bills requests, on the API",
	"aws:apigateway/methodSettings:MethodSettings":                                               "stage settings: no billing dimension (execution logs are priced on their log group)",
	"aws:apigateway/model:Model":                                                                 "a request model: no billing dimension",
	"aws:apigateway/requestValidator:RequestValidator":                                           "request validation: no billing dimension",
	"aws:apigateway/resource:Resource":                                                           "API Gateway bills requests, on the API",
	"aws:apigateway/response:Response":                                                           "a gateway response: no billing dimension",
	"aws:cloudfront/originAccessControl:OriginAccessControl":                                     "origin access control: no billing dimension",
	"aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy":                                 "a response headers policy: no billing dimension",
	"aws:cloudwatch/eventTarget:EventTarget":                                                     "a rule's target: the target's own service bills what it receives",
	"aws:cloudwatch/logResourcePolicy:LogResourcePolicy":                                         "a log resource policy: no billing dimension",
	"aws:cloudwatch/logStream:LogStream":                                                         "a log stream: its data is priced on its log group",
	"aws:codedeploy/application:Application":                                                     "a CodeDeploy application: no billing dimension",
	"aws:codebuild/webhook:Webhook":                                                              "a build webhook: no billing dimension",
	"aws:codestarconnections/connection:Connection":                                              "a CodeConnections connection: AWS bills no charge for connections (no price-list dimension found)",
	"aws:codestarnotifications/notificationRule:NotificationRule":                                "a notification rule: no charge of its own; SNS deliveries are priced on the topic",
	"aws:cognito/userGroup:UserGroup":                                                            "a user pool group: Cognito bills monthly active users, on the pool",
	"aws:cognito/userPoolClient:UserPoolClient":                                                  "an app client: Cognito bills monthly active users, on the pool",
	"aws:glue/securityConfiguration:SecurityConfiguration":                                       "a Glue security configuration: no billing dimension",
	"aws:iam/role:Role":                                                                          "IAM is free",
	"aws:iam/rolePolicy:RolePolicy":                                                              "IAM is free",
	"aws:kms/alias:Alias":                                                                        "a key alias: no charge (the key is priced)",
	"aws:lambda/alias:Alias":                                                                     "a function alias: no charge (invocations are priced on the function)",
	"aws:lambda/eventSourceMapping:EventSourceMapping":                                           "an event source mapping: no charge of its own; its invocations are priced on the function, SQS polls on the queue, and Lambda's reads of DynamoDB streams are free (DynamoDB developer guide, CostOptimization_StreamsUsage)",
	"aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig":                             "async invocation settings: no billing dimension",
	"aws:lambda/permission:Permission":                                                           "a resource policy statement: no billing dimension",
	"aws:opensearch/domainPolicy:DomainPolicy":                                                   "a domain access policy: no billing dimension",
	"aws:s3/bucketLoggingV2:BucketLoggingV2":                                                     "server access logging: no charge for the logging itself; the log objects are stored in the target bucket",
	"aws:s3/bucketNotification:BucketNotification":                                               "S3 event notifications: no charge; the functions and topics they invoke are priced",
	"aws:s3/bucketObjectv2:BucketObjectv2":                                                       "an object kumo uploads: its few bytes are stored in its bucket",
	"aws:s3/bucketOwnershipControls:BucketOwnershipControls":                                     "bucket settings: no billing dimension",
	"aws:s3/bucketPolicy:BucketPolicy":                                                           "a bucket policy: no billing dimension",
	"aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock":                                     "bucket settings: no billing dimension",
	"aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2": "default encryption: no charge of its own (kumo enables S3 Bucket Keys, which keep KMS requests to a few per object batch)",
	"aws:s3/bucketVersioningV2:BucketVersioningV2":                                               "versioning: no charge of its own; noncurrent versions are storage of the bucket (kumo expires them)",
	"aws:sns/topicPolicy:TopicPolicy":                                                            "a topic policy: no billing dimension",
	"aws:sns/topicSubscription:TopicSubscription":                                                "SNS does not bill deliveries to SQS queues and Lambda functions (SNS pricing page); publishes are priced on the topic",
	"aws:sqs/queuePolicy:QueuePolicy":                                                            "a queue policy: no billing dimension",
	"aws:glue/catalogDatabase:CatalogDatabase":                                                   "the Glue Data Catalog bills objects and requests beyond the first million of each a month (AWS Glue pricing page); a kumo lake's catalog (a table per dataset, a partition per day) stays well inside them",
	"aws:cloudwatch/eventRule:EventRule":                                                         "EventBridge does not bill scheduled rules or events from AWS services on the default bus (EventBridge pricing page); the targets are priced",
	typeParameter:                                                                                "Parameter Store standard parameters are free (AWS Systems Manager pricing page); Intelligent-Tiering keeps a parameter standard while its value fits in 4 KB",
	"kumo:index:Release":                                                                         "kumo's release resource runs CodeDeploy deployments from pulumi up; it is no AWS resource",
	"pulumi:providers:aws":                                                                       "a Pulumi provider: no AWS resource",
}

// tableFree are types priced at 0 by a table entry, whose free_reason and
// source the report quotes.
var tableFree = map[string]string{
	typeCertificate:     "acm.public_certificate",
	typeDeploymentGroup: "codedeploy.lambda",
}

// free says whether AWS bills n nothing, and why.
func (p *pricer) free(n *node) (string, bool) {
	if key, ok := tableFree[n.Type]; ok {
		pr, _ := p.t.Lookup(n.Region, key)
		if pr != nil && pr.Amount.Sign() == 0 {
			return pr.FreeReason + " [" + pr.Source + ", read " + pr.Read + ", confidence " + pr.Confidence + "]", true
		}
		return "", false
	}
	if n.Type == typeParameter && str(n.Inputs, "tier") == "Advanced" {
		return "", false
	}
	if n.Type == typeRecord && len(list(n.Inputs, "aliases")) > 0 {
		return "Route 53 does not bill queries of alias records to AWS resources (Route 53 pricing page)", true
	}
	r, ok := freeTypes[n.Type]
	return r, ok
}

// ---- Lambda ----

// priceFunction: requests × price + GB-seconds × price of the function's
// architecture, each invocation's duration rounded up to 1 ms and its
// memory in GB = memorySize ÷ 1,024 (AWS Lambda pricing page: "Duration
// is calculated from the time your code begins executing until it returns
// or otherwise terminates, rounded up to the nearest 1 ms"; "The price for
// Duration depends on the amount of memory you allocate"). Ephemeral
// storage above the free 512 MB is billed per GB-second too.
func priceFunction(p *pricer, n *node) {
	inv := p.s.get(n, mInvocations)
	p.usage(n, mInvocations, "invocations")
	durMs, durWhy := p.duration(n)
	billedMs := ceil(durMs)
	memMB := ratInt(intIn(n.Inputs, "memorySize", 128))
	arch := "x86_64"
	if a := list(n.Inputs, "architectures"); len(a) > 0 {
		if s, _ := a[0].(string); s != "" {
			arch = s
		}
	}
	gb := quo(memMB, ratInt(1024))
	sec := quo(billedMs, ratInt(1000))
	gbs := mul(inv, sec, gb)
	p.item(n, "requests", "lambda.requests", inv, "requests", "", false)
	p.item(n, "compute ("+arch+")", "lambda.gb_second."+arch, gbs, "GB-s",
		fmt.Sprintf("%s × %s s%s × %s GB (%s MB) = %s GB-s", qty(inv), qty(sec), durWhy, qty(gb), qty(memMB), qty(gbs)), false)
	if size := intIn(obj(n.Inputs, "ephemeralStorage"), "size", 512); size > 512 {
		extra := quo(ratInt(size-512), ratInt(1024))
		egbs := mul(inv, sec, extra)
		p.item(n, "ephemeral storage", "lambda.ephemeral_gb_second", egbs, "GB-s",
			fmt.Sprintf("%s × %s s × %s GB above 512 MB = %s GB-s", qty(inv), qty(sec), qty(extra), qty(egbs)), false)
	}
}

// duration is a function's average duration: its override, else its
// section's avgDurationMs.
func (p *pricer) duration(n *node) (*big.Rat, string) {
	if v, ok := p.u.function(n.Name, "avgDurationMs"); ok {
		p.f.rec.file(SectionFunctions+"."+n.Name+".avgDurationMs", v, "ms", "Average duration of "+n.Name+".")
		return v, ""
	}
	return p.f.knob(n.section(), "avgDurationMs"), ""
}

// ---- API Gateway ----

// priceRestAPI: REST API requests, per million in tiers (API Gateway
// pricing page).
func priceRestAPI(p *pricer, n *node) {
	req := p.s.get(n, mRequests)
	p.usage(n, mRequests, "requests")
	p.item(n, "requests", "apigateway.rest.requests", req, "requests", "", false)
}

// priceStage: a stage is free unless its cache is on, billed per hour by
// cache size (API Gateway pricing page).
func priceStage(p *pricer, n *node) {
	if !boolean(n.Inputs, "cacheClusterEnabled") {
		p.freeLine(n, "a stage without a cache: API Gateway bills requests, on the API")
		return
	}
	size := str(n.Inputs, "cacheClusterSize")
	if size == "" {
		size = "0.5"
	}
	p.item(n, "cache ("+size+" GB)", "apigateway.cache."+size+"gb.hour", hoursPerMonth, "hours", "730 h", true)
}

// freeLine records n as free after all (a rule that found nothing to bill).
func (p *pricer) freeLine(n *node, reason string) {
	p.frees = append(p.frees, Free{URN: n.URN, Type: n.Type, Name: n.Name, Pattern: n.patternName(), Reason: reason})
}

// ---- DynamoDB ----

// priceTable: on-demand tables bill write request units (1 per KB written,
// rounded up, for the table and each global secondary index), read request
// units (1 per 4 KB strongly consistent, half that eventually consistent,
// as kumo's handlers read), storage beyond 25 GB free (listed as a free
// tier) and PITR backup storage (DynamoDB pricing page, on-demand).
func priceTable(p *pricer, n *node) {
	kb := p.itemKB(n)
	gsis := int64(len(list(n.Inputs, "globalSecondaryIndexes")))
	if str(n.Inputs, "billingMode") != "PAY_PER_REQUEST" {
		p.missing(n, "dynamodb.provisioned", "kumo cost prices on-demand (PAY_PER_REQUEST) tables only; this table is provisioned", nil, "", true)
		return
	}
	writes, reads := p.s.get(n, mWrites), p.s.get(n, mReads)
	p.usage(n, mWrites, "writes")
	p.usage(n, mReads, "reads")
	wruPer := mul(ceil(kb), ratInt(1+gsis))
	wru := mul(writes, wruPer)
	p.item(n, "writes", "dynamodb.ondemand.write_request_unit", wru, "WRU",
		fmt.Sprintf("%s writes × %s WRU (%s KB → %s, table + %d index) = %s WRU", qty(writes), qty(wruPer), qty(kb), qty(ceil(kb)), gsis, qty(wru)), false)
	rruPer := quo(ceil(quo(kb, ratInt(4))), ratInt(2))
	rru := mul(reads, rruPer)
	p.item(n, "reads", "dynamodb.ondemand.read_request_unit", rru, "RRU",
		fmt.Sprintf("%s reads × %s RRU (eventually consistent, %s KB) = %s RRU", qty(reads), qty(rruPer), qty(kb), qty(rru)), false)
	gb, gbWhy := p.tableGB(n, kb)
	indexGB := new(big.Rat)
	for _, ix := range list(n.Inputs, "globalSecondaryIndexes") {
		if str(asMap(ix), "projectionType") == "ALL" {
			indexGB = add(indexGB, gb)
		}
	}
	p.item(n, "storage", "dynamodb.storage_gb_month", add(gb, indexGB), "GB-month",
		fmt.Sprintf("(%s GB%s + %s GB in indexes projecting ALL)", qty(gb), gbWhy, qty(indexGB)), false)
	if boolean(obj(n.Inputs, "pointInTimeRecovery"), "enabled") {
		p.item(n, "PITR", "dynamodb.pitr_gb_month", gb, "GB-month", qty(gb)+" GB (the table's size)", false)
	}
	for _, r := range list(n.Inputs, "replicas") {
		region := str(asMap(r), "regionName")
		p.missing(n, "dynamodb.ondemand.replicated_write_request_unit", "kumo cost prices TableReplica resources, not the inline replicas block (replica in "+region+")", nil, "", false)
	}
}

func (p *pricer) itemKB(n *node) *big.Rat {
	if n.section() == SectionWebApp {
		return p.f.knob(SectionWebApp, "payloadKB")
	}
	return p.f.knob(SectionDefaults, "itemKB")
}

// tableGB is a table's size: the web app's itemsStoredGB; elsewhere the
// items written over the storage horizon (kumo's tables delete nothing but
// by TTL, which makes this an upper bound).
func (p *pricer) tableGB(n *node, kb *big.Rat) (*big.Rat, string) {
	if n.section() == SectionWebApp {
		return p.f.knob(SectionWebApp, "itemsStoredGB"), " webapp.itemsStoredGB"
	}
	months := p.f.knob(SectionDefaults, "storageHorizonMonths")
	gb := quo(mul(p.s.get(n, mWrites), kb, months), kbPerGB)
	why := fmt.Sprintf(": writes × %s KB × %s months", qty(kb), qty(months))
	if boolean(obj(n.Inputs, "ttl"), "enabled") {
		why += ", TTL not modelled: an upper bound"
	}
	return gb, why
}

// priceTableReplica: a global table's replica bills each of the table's
// writes again as a replicated write unit in its region, and its storage
// there.
func priceTableReplica(p *pricer, n *node) {
	src := p.g.byARN(str(n.Inputs, "globalTableArn"))
	if src == nil {
		p.missing(n, "dynamodb.ondemand.replicated_write_request_unit", "the replica's table is not in the stack", nil, "", false)
		return
	}
	kb := p.itemKB(src)
	gsis := int64(len(list(src.Inputs, "globalSecondaryIndexes")))
	writes := p.s.get(src, mWrites)
	per := mul(ceil(kb), ratInt(1+gsis))
	rwru := mul(writes, per)
	p.item(n, "replicated writes", "dynamodb.ondemand.replicated_write_request_unit", rwru, "rWRU",
		fmt.Sprintf("%s writes to %s × %s rWRU = %s rWRU", qty(writes), src.Name, qty(per), qty(rwru)), false)
	gb, why := p.tableGB(src, kb)
	p.item(n, "storage", "dynamodb.storage_gb_month", gb, "GB-month", qty(gb)+" GB"+why, false)
	if boolean(n.Inputs, "pointInTimeRecovery") {
		p.item(n, "PITR", "dynamodb.pitr_gb_month", gb, "GB-month", qty(gb)+" GB", false)
	}
}

// ---- S3 ----

// storageKeys are the price keys of S3 storage classes.
var storageKeys = map[string]string{
	"STANDARD": "s3.standard.gb_month", "STANDARD_IA": "s3.standard_ia.gb_month", "GLACIER_IR": "s3.glacier_ir.gb_month",
}

// priceBucket: storage by class (from the bucket's lifecycle rules, at
// steady state), PUT and GET requests per 1,000 (S3 pricing page).
func priceBucket(p *pricer, n *node) {
	gbIn := p.s.get(n, mGB)
	p.usage(n, mObjects, "objects written")
	p.usage(n, mGB, "GB written")
	for _, c := range p.f.bucketClasses(n, gbIn) {
		key, ok := storageKeys[c.class]
		if !ok {
			key = "s3." + strings.ToLower(c.class) + ".gb_month"
		}
		p.item(n, "storage ("+c.class+")", key, c.gb, "GB-month", fmt.Sprintf("%s GB (%s)", qty(c.gb), c.why), false)
	}
	p.item(n, "PUT requests", "s3.put_request_1000", p.s.get(n, mObjects), "requests", "", false)
	p.usage(n, mGets, "objects read")
	p.item(n, "GET requests", "s3.get_request_1000", p.s.get(n, mGets), "requests", "", false)
	priceRetrieval(p, n, gbIn)
}

// noRetrievalFee are the classes S3 reads without a per-GB retrieval fee
// (S3 pricing page, "Data Retrieval": Standard and Intelligent-Tiering's
// instant tiers charge none; Standard-IA, One Zone-IA and Glacier Instant
// Retrieval charge per GB retrieved).
var noRetrievalFee = map[string]bool{"STANDARD": true, "INTELLIGENT_TIERING": true}

// priceRetrieval charges the per-GB retrieval fee of the bucket's reads
// from an infrequent-access class. The estimate knows the class mix only
// as the lifecycle's steady-state spread of what is written, so it reads
// each class in proportion to the GB it holds (reads spread evenly over
// the stored objects) at the average written object's size (GB written ÷
// objects written); without writes or reads there is nothing to charge.
func priceRetrieval(p *pricer, n *node, gbIn *big.Rat) {
	gets, objects := p.s.get(n, mGets), p.s.get(n, mObjects)
	if gets.Sign() == 0 || objects.Sign() == 0 || gbIn.Sign() == 0 {
		return
	}
	classes := p.f.bucketClasses(n, gbIn)
	stored := new(big.Rat)
	for _, c := range classes {
		stored = add(stored, c.gb)
	}
	if stored.Sign() == 0 {
		return
	}
	objGB := quo(gbIn, objects)
	for _, c := range classes {
		if noRetrievalFee[c.class] || c.gb.Sign() == 0 {
			continue
		}
		share := quo(c.gb, stored)
		gb := mul(gets, share, objGB)
		p.item(n, "retrieval ("+c.class+")", "s3."+strings.ToLower(c.class)+".retrieval_gb", gb, "GB",
			fmt.Sprintf("%s reads × %s of the stored GB in %s × %s GB per object = %s GB", qty(gets), qty(share), c.class, qty(objGB), qty(gb)), false)
	}
}

// classGB is a storage class's share of a bucket at steady state.
type classGB struct {
	class string
	gb    *big.Rat
	why   string
	// from is the age (days) objects enter the class.
	from *big.Rat
}

// lifecycle is a bucket's whole-bucket lifecycle: transitions by age and
// the expiration.
func (f *flow) lifecycle(b *node) (trans []transition, expire *big.Rat) {
	for _, lc := range f.g.byType[typeLifecycle] {
		if f.g.byPhysical(typeBucket, str(lc.Inputs, "bucket")) != b {
			continue
		}
		for _, r := range list(lc.Inputs, "rules") {
			rm := asMap(r)
			if str(rm, "status") != "Enabled" {
				continue
			}
			if d, ok := numberIn(obj(rm, "expiration"), "days"); ok && d.Sign() > 0 && (expire == nil || d.Cmp(expire) < 0) {
				expire = d
			}
			for _, t := range list(rm, "transitions") {
				tm := asMap(t)
				if d, ok := numberIn(tm, "days"); ok {
					trans = append(trans, transition{days: d, class: str(tm, "storageClass"), rule: lc})
				}
			}
		}
	}
	sort.Slice(trans, func(i, j int) bool { return trans[i].days.Cmp(trans[j].days) < 0 })
	return trans, expire
}

type transition struct {
	days  *big.Rat
	class string
	rule  *node
}

// bucketClasses spreads a bucket's monthly ingest over its storage
// classes by age: an object is in STANDARD until its first transition, in
// each class until the next, and gone at expiration; without one it stays
// for the storage horizon.
func (f *flow) bucketClasses(b *node, gbPerMonth *big.Rat) []classGB {
	trans, expire := f.lifecycle(b)
	months := f.knob(SectionDefaults, "storageHorizonMonths")
	end := mul(months, daysPerMonth)
	endWhy := fmt.Sprintf("kept %s months (defaults.storageHorizonMonths: no expiration)", qty(months))
	if expire != nil {
		end = expire
		endWhy = fmt.Sprintf("expires after %s days", qty(expire))
	}
	perDay := quo(gbPerMonth, daysPerMonth)
	bounds := []transition{{days: zero, class: "STANDARD"}}
	bounds = append(bounds, trans...)
	var out []classGB
	for i, t := range bounds {
		to := end
		if i+1 < len(bounds) {
			to = minRat(bounds[i+1].days, end)
		}
		if t.days.Cmp(to) >= 0 {
			continue
		}
		days := sub(to, t.days)
		why := fmt.Sprintf("%s GB a day × %s days", qty(perDay), qty(days))
		if i == len(bounds)-1 || bounds[i+1].days.Cmp(end) >= 0 {
			why += "; " + endWhy
		}
		out = append(out, classGB{class: t.class, gb: mul(perDay, days), why: why, from: t.days})
	}
	return out
}

// priceLifecycle: each object transitioned into a class is a transition
// request, per 1,000 (S3 pricing page, "Lifecycle Transition requests").
// Objects smaller than 128 KB are billed as 128 KB in Standard-IA and
// Glacier IR, which this estimate does not add.
func priceLifecycle(p *pricer, n *node) {
	b := p.g.byPhysical(typeBucket, str(n.Inputs, "bucket"))
	if b == nil {
		p.line(n)
		return
	}
	trans, _ := p.f.lifecycle(b)
	classes := p.f.bucketClasses(b, p.s.get(b, mGB))
	objects := p.s.get(b, mObjects)
	for _, t := range trans {
		if t.rule != n {
			continue
		}
		reached := false
		for _, c := range classes {
			if c.class == t.class && c.from.Cmp(t.days) == 0 {
				reached = true
			}
		}
		q := zero
		if reached {
			q = objects
		}
		p.item(n, "transitions to "+t.class, "s3.lifecycle_transition_1000."+strings.ToLower(t.class), q, "requests",
			fmt.Sprintf("%s objects of %s reaching %s days", qty(q), b.Name, qty(t.days)), false)
	}
	if len(p.lines[n].itemsOrNil()) == 0 && !p.hasUnpriced(n) {
		delete(p.lines, n)
		p.freeLine(n, "lifecycle rules without transitions: expiring and aborting uploads is free")
	}
}

func (l *Line) itemsOrNil() []Item {
	if l == nil {
		return nil
	}
	return l.Items
}

func (p *pricer) hasUnpriced(n *node) bool {
	for _, u := range p.unpriced {
		if u.URN == n.URN {
			return true
		}
	}
	return false
}

// ---- CloudFront ----

// edges maps a region to the CloudFront edge geography its viewers are
// assumed to be near (CloudFront prices data out and requests by edge
// location, not by the origin's region).
func edgeOf(region string) string {
	switch {
	case strings.HasPrefix(region, "us-"), strings.HasPrefix(region, "ca-"):
		return "us"
	case strings.HasPrefix(region, "eu-"), strings.HasPrefix(region, "il-"):
		return "europe"
	case region == "ap-northeast-1", region == "ap-northeast-3":
		return "japan"
	}
	return ""
}

// priceDistribution: data out to viewers per GB and HTTPS requests per
// 10,000, at the edge prices of the viewers' geography: kumo assumes the
// viewers are where the stack is. A price class without that geography's
// edges (PriceClass_100 has US, Canada, Europe and Israel) serves them
// from US edges.
func priceDistribution(p *pricer, n *node) {
	edge := edgeOf(n.Region)
	why := "viewers near " + n.Region
	if edge == "japan" && str(n.Inputs, "priceClass") == "PriceClass_100" {
		edge, why = "us", "viewers in Japan, served from US edges under PriceClass_100"
	}
	if edge == "" {
		p.missing(n, "cloudfront.data_out_gb", "kumo cost has no CloudFront edge geography for viewers near "+n.Region, nil, "", false)
		return
	}
	p.usage(n, mRequests, "requests")
	req, gb := p.s.get(n, mRequests), p.s.get(n, mDataOutGB)
	p.item(n, "data out ("+edge+")", "cloudfront.data_out_gb."+edge, gb, "GB", qty(gb)+" GB ("+why+")", false)
	p.item(n, "HTTPS requests ("+edge+")", "cloudfront.https_requests_10000."+edge, req, "requests", "", false)
}

// ---- Kinesis ----

// priceStream: a provisioned stream bills shard-hours (fixed), PUT payload
// units of 25 KB per record (each record rounded up), and extended
// retention per shard-hour beyond 24 hours; an on-demand stream bills
// stream-hours (fixed), GB written with each record rounded up to 1 KB,
// and GB read by each consumer (Kinesis Data Streams pricing page).
func priceStream(p *pricer, n *node) {
	records := p.s.get(n, mRecords)
	p.usage(n, mRecords, "records")
	kb := p.f.recordKB(n.section())
	mode := str(obj(n.Inputs, "streamModeDetails"), "streamMode")
	if mode == "ON_DEMAND" {
		p.item(n, "stream hours", "kinesis.ondemand.stream_hour", hoursPerMonth, "hours", "730 h", true)
		in := quo(mul(records, ceil(kb)), kbPerGB)
		p.item(n, "data in", "kinesis.ondemand.data_in_gb", in, "GB", fmt.Sprintf("%s records × %s KB (1 KB rounding) = %s GB", qty(records), qty(ceil(kb)), qty(in)), false)
		consumers := ratInt(int64(p.consumers(n)))
		out := mul(in, consumers)
		p.item(n, "data out", "kinesis.ondemand.data_out_gb", out, "GB", fmt.Sprintf("%s GB × %s consumers", qty(in), qty(consumers)), false)
		return
	}
	shards := ratInt(intIn(n.Inputs, "shardCount", 1))
	sh := mul(shards, hoursPerMonth)
	p.item(n, "shard hours", "kinesis.shard_hour", sh, "shard-hours", fmt.Sprintf("%s shards × 730 h", qty(shards)), true)
	units := mul(records, ceil(quo(kb, ratInt(25))))
	p.item(n, "PUT payload units", "kinesis.put_payload_unit_million", units, "units",
		fmt.Sprintf("%s records × %s (25 KB units of %s KB)", qty(records), qty(ceil(quo(kb, ratInt(25)))), qty(kb)), false)
	if h := intIn(n.Inputs, "retentionPeriod", 24); h > 24 {
		p.item(n, fmt.Sprintf("extended retention (%d h)", h), "kinesis.extended_retention_shard_hour", sh, "shard-hours",
			fmt.Sprintf("%s shards × 730 h", qty(shards)), true)
	}
}

// consumers counts what reads a stream: event source mappings and
// delivery streams.
func (p *pricer) consumers(s *node) int {
	n := 0
	for _, e := range p.g.byType[typeESM] {
		if p.g.byARN(str(e.Inputs, "eventSourceArn")) == s {
			n++
		}
	}
	for _, fh := range p.g.byType[typeFirehose] {
		if p.g.byARN(str(obj(fh.Inputs, "kinesisSourceConfiguration"), "kinesisStreamArn")) == s {
			n++
		}
	}
	return n
}

// priceFirehose: ingestion per GB with each record rounded up to 5 KB
// (Firehose pricing page), and dynamic partitioning, which Firehose bills
// on top per GB and per object.
func priceFirehose(p *pricer, n *node) {
	records := p.s.get(n, mRecords)
	p.usage(n, mRecords, "records")
	kb := p.f.recordKB(n.section())
	billedKB := mul(ceil(quo(kb, ratInt(5))), ratInt(5))
	gb := quo(mul(records, billedKB), kbPerGB)
	p.item(n, "ingestion", "firehose.ingest_gb", gb, "GB", fmt.Sprintf("%s records × %s KB (5 KB rounding of %s KB) = %s GB", qty(records), qty(billedKB), qty(kb), qty(gb)), false)
	if boolean(obj(obj(n.Inputs, "extendedS3Configuration"), "dynamicPartitioningConfiguration"), "enabled") {
		p.item(n, "dynamic partitioning", "firehose.dynamic_partitioning_gb", p.s.get(n, mGB), "GB", "", false)
	}
}

// ---- Step Functions ----

// priceStateMachine: a standard workflow bills state transitions per
// 1,000 — each state entered on the success path, a Map's iterator once
// per item (Step Functions pricing page); an express workflow bills
// requests and GB-seconds (64 MB, 100 ms rounding).
func priceStateMachine(p *pricer, n *node) {
	execs := p.s.get(n, mExecutions)
	p.usage(n, mExecutions, "executions")
	def, err := parseDefinition(str(n.Inputs, "definition"))
	if err != nil {
		p.missing(n, "sfn.standard.transition_1000", "the definition is not readable JSON: "+err.Error(), nil, "", false)
		return
	}
	items := p.f.mapItems(n, p.s)
	per := def.transitions(items)
	if str(n.Inputs, "type") == "EXPRESS" {
		p.item(n, "requests", "sfn.express.request_million", execs, "requests", "", false)
		dur := ceil(quo(p.f.knob(n.section(), "avgDurationMs"), ratInt(100)))
		gbs := mul(execs, quo(dur, ratInt(10)), quo(ratInt(64), ratInt(1024)))
		p.item(n, "duration", "sfn.express.gb_second", gbs, "GB-s", fmt.Sprintf("%s × %s s × 0.0625 GB", qty(execs), qty(quo(dur, ratInt(10)))), false)
		return
	}
	tr := mul(execs, per)
	why := fmt.Sprintf("%s executions × %s transitions", qty(execs), qty(per))
	if items.Cmp(one) != 0 {
		why += fmt.Sprintf(" (Map over %s items)", qty(items))
	}
	p.item(n, "state transitions", "sfn.standard.transition_1000", tr, "transitions", why+" = "+qty(tr), false)
}

// ---- OpenSearch ----

// priceDomain: instance-hours of the data nodes and dedicated masters, and
// gp3 storage per GB-month per data node (OpenSearch Service pricing page).
func priceDomain(p *pricer, n *node) {
	cc := obj(n.Inputs, "clusterConfig")
	typ := str(cc, "instanceType")
	count := ratInt(intIn(cc, "instanceCount", 1))
	p.item(n, "data nodes ("+typ+")", "opensearch.instance_hour."+typ, mul(count, hoursPerMonth), "instance-hours",
		fmt.Sprintf("%s × 730 h", qty(count)), true)
	if boolean(cc, "dedicatedMasterEnabled") {
		mt := str(cc, "dedicatedMasterType")
		mc := ratInt(intIn(cc, "dedicatedMasterCount", 3))
		p.item(n, "dedicated masters ("+mt+")", "opensearch.instance_hour."+mt, mul(mc, hoursPerMonth), "instance-hours",
			fmt.Sprintf("%s × 730 h", qty(mc)), true)
	}
	ebs := obj(n.Inputs, "ebsOptions")
	if boolean(ebs, "ebsEnabled") {
		vt := str(ebs, "volumeType")
		if vt == "" {
			vt = "gp2"
		}
		size := ratInt(intIn(ebs, "volumeSize", 10))
		p.item(n, "storage ("+vt+")", "opensearch."+vt+"_gb_month", mul(size, count), "GB-month",
			fmt.Sprintf("%s GB × %s data nodes", qty(size), qty(count)), true)
	}
}

// ---- Glue, Athena ----

// priceCrawler: DPU-hours per run (AWS Glue pricing page: crawlers billed
// per DPU-second, 10-minute minimum per run).
func priceCrawler(p *pricer, n *node) {
	runs := p.s.get(n, mRuns)
	p.usage(n, mRuns, "runs")
	per := p.f.knob(SectionDataLake, "crawlerDPUHoursPerRun")
	dpuh := mul(runs, per)
	p.item(n, "crawls", "glue.crawler_dpu_hour", dpuh, "DPU-hours", fmt.Sprintf("%s runs × %s DPU-hours", qty(runs), qty(per)), false)
}

// priceWorkgroup: data scanned per TB, at least 10 MB per query (Athena
// pricing page).
func priceWorkgroup(p *pricer, n *node) {
	q := p.s.get(n, mQueries)
	p.usage(n, mQueries, "queries")
	tb := zero
	if n.section() == SectionDataLake {
		tb = p.f.knob(SectionDataLake, "tbScannedPerQuery")
	}
	minTB := big.NewRat(10, 1<<20) // 10 MB in TB (1 TB = 1,048,576 MB)
	per := maxRat(tb, minTB)
	scanned := mul(q, per)
	p.item(n, "data scanned", "athena.tb_scanned", scanned, "TB", fmt.Sprintf("%s queries × %s TB (10 MB minimum) = %s TB", qty(q), qty(per), qty(scanned)), false)
}

// ---- CloudWatch ----

// priceAlarm: each standard-resolution alarm bills its metrics a month
// (CloudWatch pricing page: "per alarm metric"); a metric math alarm
// counts each metric it reads.
func priceAlarm(p *pricer, n *node) {
	metrics := int64(0)
	for _, q := range list(n.Inputs, "metricQueries") {
		if obj(asMap(q), "metric") != nil {
			metrics++
		}
	}
	if metrics == 0 {
		metrics = 1
	}
	key := "cloudwatch.alarm_standard_month"
	what := "alarm metrics"
	if period := intIn(n.Inputs, "period", 60); period < 60 && len(list(n.Inputs, "metricQueries")) == 0 {
		key, what = "cloudwatch.alarm_high_resolution_month", "high-resolution alarm metrics"
	}
	noun := "metric"
	if metrics > 1 {
		noun = "metrics"
	}
	p.item(n, what, key, ratInt(metrics), "alarm metric-months", fmt.Sprintf("%d %s", metrics, noun), true)
}

// priceLogGroup: ingestion per GB and storage per GB-month: a month's
// ingest kept for the retention (retentionInDays ÷ 30.4), or the storage
// horizon without one. Stored size is priced as ingested; CloudWatch
// compresses archived logs, so this is an upper bound.
func priceLogGroup(p *pricer, n *node) {
	kb := p.s.get(n, mIngestKB)
	p.usage(n, mIngestKB, "KB ingested")
	gb := quo(kb, kbPerGB)
	p.item(n, "ingestion", "cloudwatch.logs.ingest_gb", gb, "GB", "", false)
	months := p.f.knob(SectionDefaults, "storageHorizonMonths")
	why := fmt.Sprintf("no retention: %s months (defaults.storageHorizonMonths)", qty(months))
	if d := intIn(n.Inputs, "retentionInDays", 0); d > 0 {
		months = minRat(quo(ratInt(d), daysPerMonth), months)
		why = fmt.Sprintf("retention %d days", d)
		if quo(ratInt(d), daysPerMonth).Cmp(months) > 0 {
			why += ", capped at defaults.storageHorizonMonths"
		}
	}
	stored := mul(gb, months)
	p.item(n, "storage", "cloudwatch.logs.storage_gb_month", stored, "GB-month", fmt.Sprintf("%s GB a month × %s months (%s)", qty(gb), qty(months), why), false)
}

// priceMetricFilter: each metric a filter publishes is a custom metric
// (CloudWatch pricing page).
func priceMetricFilter(p *pricer, n *node) {
	p.item(n, "custom metric", "cloudwatch.metric_month", one, "metric-months", "1 metric", true)
}

// ---- Cognito ----

// priceUserPool: monthly active users at the pool's feature plan
// (Essentials by default, Cognito developer guide: "The default plan
// selection for new user pools is Essentials").
func priceUserPool(p *pricer, n *node) {
	tier := strings.ToLower(str(n.Inputs, "userPoolTier"))
	if tier == "" {
		tier = "essentials"
	}
	mau := p.s.get(n, mMAU)
	p.usage(n, mMAU, "MAU")
	p.item(n, "monthly active users ("+tier+")", "cognito.mau."+tier, mau, "MAU", "", false)
}

// ---- Route 53 ----

// priceHealthCheck: a health check a month, at the AWS-endpoint price when
// it checks an amazonaws.com name (kumo's assumption: AWS's page does not
// say whether an API Gateway endpoint counts), plus each optional feature:
// HTTPS, string matching, a 10-second interval, latency measurement
// (Route 53 pricing page).
func priceHealthCheck(p *pricer, n *node) {
	ep := "non_aws_endpoint"
	if strings.HasSuffix(str(n.Inputs, "fqdn"), ".amazonaws.com") {
		ep = "aws_endpoint"
	}
	p.item(n, "health check", "route53.health_check_month."+ep, one, "health check-months", "1 check ("+strings.ReplaceAll(ep, "_", " ")+")", true)
	var features []string
	typ := str(n.Inputs, "type")
	if strings.HasPrefix(typ, "HTTPS") {
		features = append(features, "HTTPS")
	}
	if strings.HasSuffix(typ, "STR_MATCH") {
		features = append(features, "string matching")
	}
	if intIn(n.Inputs, "requestInterval", 30) == 10 {
		features = append(features, "fast interval")
	}
	if boolean(n.Inputs, "measureLatency") {
		features = append(features, "latency measurement")
	}
	if len(features) > 0 {
		p.item(n, "optional features", "route53.health_check_optional_feature_month."+ep, ratInt(int64(len(features))), "feature-months",
			fmt.Sprintf("%d (%s)", len(features), strings.Join(features, ", ")), true)
	}
}

// priceRecord: a record that is not an alias bills the queries it answers
// (alias records are free, see free); kumo's other records are certificate
// validation CNAMEs, which ACM queries a few times a renewal: priced at 0
// queries, with the price shown.
func priceRecord(p *pricer, n *node) {
	p.item(n, "queries", "route53.query_million", zero, "queries", "0 queries (validation and other non-alias records: not modelled)", false)
}

// ---- SQS, SNS ----

// priceQueue: each message is sent, received and deleted, three requests
// per 64 KB chunk (SQS pricing page: "each 64 KB chunk of a payload is
// billed as 1 request"). Lambda's pollers also make empty receives, which
// this estimate does not count.
func priceQueue(p *pricer, n *node) {
	msgs := p.s.get(n, mMessages)
	p.usage(n, mMessages, "messages")
	reqs := mul(msgs, ratInt(3))
	key := "sqs.request_million"
	if boolean(n.Inputs, "fifoQueue") {
		key = "sqs.fifo_request_million"
	}
	p.item(n, "requests", key, reqs, "requests", fmt.Sprintf("%s messages × 3 (send, receive, delete) = %s requests", qty(msgs), qty(reqs)), false)
}

// priceTopic: publishes per million, each 64 KB chunk a request (SNS
// pricing page); deliveries to SQS and Lambda are free.
func priceTopic(p *pricer, n *node) {
	msgs := p.s.get(n, mMessages)
	p.usage(n, mMessages, "messages")
	p.item(n, "publishes", "sns.publish_million", msgs, "requests", "", false)
}

// ---- KMS ----

// priceKey: a customer managed key a month (KMS pricing page: "Each AWS
// KMS key that you create in KMS costs $1/month"). Automatic rotation adds
// a key-month per rotation from the key's first anniversary, and requests
// are billed per 10,000 beyond 20,000 free a month: neither is in this
// estimate (kumo's buckets use S3 Bucket Keys, which keep requests low).
func priceKey(p *pricer, n *node) {
	what := "key"
	if boolean(n.Inputs, "enableKeyRotation") {
		what = "key (rotation adds $1 a month per rotation from the first anniversary)"
	}
	p.item(n, what, "kms.key_month", one, "key-months", "1 key", true)
}

// ---- CloudTrail, IoT ----

// priceTrail: data events per 100,000 (CloudTrail pricing page); the first
// copy of management events is free.
func priceTrail(p *pricer, n *node) {
	ev := p.s.get(n, mDataEvents)
	hasData := false
	for _, sel := range list(n.Inputs, "eventSelectors") {
		if len(list(asMap(sel), "dataResources")) > 0 {
			hasData = true
		}
	}
	if !hasData && len(list(n.Inputs, "advancedEventSelectors")) == 0 {
		delete(p.lines, n)
		p.freeLine(n, "a trail of management events only: the first copy of management events is free (CloudTrail pricing page)")
		return
	}
	p.usage(n, mDataEvents, "data events")
	p.item(n, "data events", "cloudtrail.data_events_100000", ev, "events", "", false)
}

// priceTopicRule: IoT Core bills each message (in 5 KB increments) and each
// rule triggered (IoT Core pricing page).
func priceTopicRule(p *pricer, n *node) {
	msgs := p.s.get(n, mRecords)
	p.usage(n, mRecords, "messages")
	kb := p.f.recordKB(n.section())
	per := ceil(quo(kb, ratInt(5)))
	billed := mul(msgs, per)
	p.item(n, "messages", "iot.messages_million", billed, "messages", fmt.Sprintf("%s messages × %s (5 KB increments)", qty(msgs), qty(per)), false)
	p.item(n, "rules triggered", "iot.rules_million", msgs, "rules triggered", "", false)
}

// ---- CI/CD ----

// priceCodeBuild: build minutes at the project's compute type (CodeBuild
// pricing page; Linux prices).
func priceCodeBuild(p *pricer, n *node) {
	runs := p.s.get(n, mRuns)
	p.usage(n, mRuns, "builds")
	env := obj(n.Inputs, "environment")
	ct := str(env, "computeType")
	key := "codebuild.minute." + ct
	if str(env, "type") != "LINUX_CONTAINER" {
		key = "codebuild.minute." + strings.ToLower(str(env, "type")) + "." + ct
	}
	mins := p.f.knob(SectionPipeline, "buildMinutesPerRun")
	if n.section() != SectionPipeline {
		mins = zero
	}
	total := mul(runs, mins)
	p.item(n, "build minutes ("+ct+")", key, total, "minutes", fmt.Sprintf("%s builds × %s min = %s min", qty(runs), qty(mins), qty(total)), false)
}

// pricePipeline: a V2 pipeline bills action execution minutes (CodePipeline
// pricing page: "$0.002 per action execution minute", manual approvals
// excepted): each build action runs buildMinutesPerRun, any other action a
// minute (billing rounds up to the minute).
func pricePipeline(p *pricer, n *node) {
	if str(n.Inputs, "pipelineType") != "V2" {
		p.missing(n, "codepipeline.v1.pipeline_month", "kumo cost prices V2 pipelines only", nil, "", true)
		return
	}
	runs := p.s.get(n, mRuns)
	p.usage(n, mRuns, "runs")
	build := p.f.knob(SectionPipeline, "buildMinutesPerRun")
	perRun := new(big.Rat)
	builds, others := 0, 0
	for _, st := range list(n.Inputs, "stages") {
		for _, a := range list(asMap(st), "actions") {
			am := asMap(a)
			switch {
			case str(am, "category") == "Approval":
			case str(am, "provider") == "CodeBuild":
				perRun = add(perRun, build)
				builds++
			default:
				perRun = add(perRun, one)
				others++
			}
		}
	}
	total := mul(runs, perRun)
	p.item(n, "action minutes", "codepipeline.v2.action_minute", total, "minutes",
		fmt.Sprintf("%s runs × (%d build actions × %s min + %d other actions × 1 min) = %s min", qty(runs), builds, qty(build), others, qty(total)), false)
}
