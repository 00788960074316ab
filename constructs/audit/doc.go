// Package audit holds kumo's CloudTrail construct, Trail: S3 data events of
// exactly the given buckets, with log file validation, an encrypted log
// bucket only the trail writes to, and optionally CloudWatch Logs. It is a
// construct like package constructs' (the same constructor shape,
// validation before anything is registered, a kumo:constructs:… type
// token), in a package of its own so that programs without a trail do not
// link the CloudTrail SDK package.
package audit
