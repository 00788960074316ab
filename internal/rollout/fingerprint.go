package rollout

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
)

// Fingerprint hashes the parts that make up a Lambda version into the
// release's Inputs.Fingerprint: the hex SHA-256 of the parts as JSON with
// sorted keys, so map order never matters and the same parts always give
// the same fingerprint.
//
// Put in it everything Lambda copies into a published version, each under a
// fixed key, with list-valued settings rendered in a canonical form (sorted
// when Lambda treats them as a set, such as subnets and security groups;
// in order when order matters, such as layers):
//
//   - the code: codeSha256 (or the image digest);
//   - runtime, handler, memorySize, timeout, architectures, role,
//     environment (canonical JSON), layers, tracingConfig, vpcConfig,
//     deadLetterConfig, kmsKeyArn, ephemeralStorage, fileSystemConfigs,
//     imageConfig, snapStart, loggingConfig, runtimeManagementConfig and
//     description.
//
// Leave out what is not part of a version — reserved and provisioned
// concurrency, tags, permissions, event source mappings, function URLs,
// asynchronous invocation settings — since changing those must not start a
// deployment. A part missing from the fingerprint is a change that deploys
// nothing: the alias keeps serving the old version.
func Fingerprint(parts map[string]string) string {
	// encoding/json writes map keys sorted and strings escaped, which makes
	// the encoding both canonical and unambiguous.
	b, err := json.Marshal(parts)
	if err != nil {
		panic("rollout: marshal fingerprint parts: " + err.Error()) // cannot happen for map[string]string
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
