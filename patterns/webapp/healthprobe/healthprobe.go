// Package healthprobe names the key the web app's health function reads
// from the items table, which is also the only key its role may read. It
// is a leaf package of its own so that both the pattern (for the grant)
// and functions/health (for the read) use one constant, without the items
// function, which links package items, being rebuilt and re-released for
// it.
package healthprobe

// ID is the key the probe reads. Items have UUIDs (the API refuses any
// other id) and kumo's own items start with "kumo:", so no item has it:
// the read is a miss, which still needs the table, its partition and the
// region's DynamoDB endpoint to answer.
const ID = "kumo:health-probe"
