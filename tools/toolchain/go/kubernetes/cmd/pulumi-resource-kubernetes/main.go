// Command pulumi-resource-kubernetes serves the Kubernetes provider of the pinned provider module.
//
// The provider's own main package embeds schema files that its build generates (`go generate`) and that
// the published module therefore does not contain. tools/toolchain/build.sh generates them next to this
// file in a build copy (never in the repository) with cmd/embed-schema, then builds this package.
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

//go:embed schema-embed.json
var packageSchema []byte

//go:embed terraform-mapping-embed.json
var terraformMapping []byte

func main() {
	// version.Version is stamped with -ldflags -X by the build script.
	provider.Serve("kubernetes", version.Version, packageSchema, terraformMapping)
}
