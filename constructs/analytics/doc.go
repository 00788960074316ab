// Package analytics holds kumo's constructs for querying and searching a
// data lake: a Glue Data Catalog database with its crawler (GlueCatalog),
// an Athena workgroup (Workgroup) and an OpenSearch domain (SearchDomain).
// They are constructs like package constructs' (the same constructor shape,
// validation before anything is registered, grants, kumo:constructs:… type
// tokens), in a package of their own so that programs without them do not
// link the Glue, Athena and OpenSearch SDK packages.
package analytics
