// Package rollout releases a Lambda function: it publishes a version for
// every change of code or configuration and moves the function's alias to it
// through a CodeDeploy deployment (canary, linear or all-at-once, with alarms
// and hooks), waiting for it and reporting its progress. It is the logic of
// kumo's release resource provider, kept free of Pulumi so it can be tested
// against fakes of the Lambda and CodeDeploy clients: Create, Update, Read and
// Delete map one-to-one onto the provider's CRUD methods, Diff and Plan onto
// its diff and preview, and Inputs/State onto the resource's properties.
package rollout
