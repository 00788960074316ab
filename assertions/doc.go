// Package assertions tests kumo and Pulumi stack programs in plain Go
// tests, the way aws-cdk-lib/assertions tests CDK stacks: Synth runs the
// program offline against kumo's mocks (no AWS account, no pulumi CLI, no
// network), with the config the test gives, and fails the test on anything
// AWS would refuse; the Template it returns answers questions about what
// would be deployed with partial matchers, not whole-object equality.
//
//	func TestService(t *testing.T) {
//		tpl := assertions.Synth(t, program, assertions.Options{
//			Config: map[string]string{"aws:region": "eu-west-1", "myapp:size": "2"},
//		})
//		tpl.ResourceCountIs("aws:lambda/alias:Alias", 1)
//		tpl.HasResourceProperties("aws:lambda/function:Function", assertions.M{
//			"memorySize":  512,
//			"environment": assertions.M{"variables": assertions.M{"TABLE_NAME": assertions.AnyValue()}},
//		})
//		alias := tpl.Resource("aws:lambda/alias:Alias", "orders")
//		tpl.HasResourceProperties("aws:apigateway/integration:Integration", assertions.M{
//			"uri": alias.Attr("invokeArn"), // the integration invokes the alias
//		})
//		tpl.HasOutput("apiUrl", assertions.StringLike(`^https://`))
//		tpl.MatchesSnapshot("testdata/service.json") // go test -update rewrites it
//	}
//
// Programs may have the shape pulumi.Run takes, func(*pulumi.Context)
// error, whose ctx.Export calls become the template's outputs, or return
// their outputs as a pulumi.Map.
//
// Patterns: an M lists the keys an object must have (others are not
// checked, at any depth); a list must match element by element; any other
// Go value must be equal (128 equals the synthesized int64(128)). Matchers
// loosen or tighten that: ObjectLike, Exact, ArrayWith, Absent, AnyValue,
// StringLike, SerializedJSON (for IAM policies held as JSON strings), Not,
// and Resource.Attr, which matches another resource's output such as an
// ARN, so a test can say one resource points at another. The mocks answer
// deterministically, so the same program always yields the same ARNs.
//
// MatchesSnapshot compares the stack with a golden file in kumo's synth
// JSON contract; `go test -update` rewrites it. This package defines the
// -update flag, so a test package importing it must not define its own.
//
// Failures say what was wanted and what was found, naming each candidate
// resource and the path of each differing property, e.g.
//
//	HasResourceProperties(aws:lambda/permission:Permission): none of 2 matches; want inputs like {"qualifier": "live"}
//	  web-health-api:
//	    inputs.qualifier: got nothing (absent); want "live"
package assertions
