// Command embed-schema writes the two files pulumi-resource-kubernetes embeds, from the schema and
// Terraform mapping that ship in the provider module: the schema with its version set to the version the
// binary is stamped with (the engine reads the provider's version from it), both re-encoded compactly.
//
// Usage: embed-schema <provider-cmd-dir> <output-dir> <version>
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: embed-schema <provider-cmd-dir> <output-dir> <version>")
		os.Exit(2)
	}
	sourceDir, outputDir, version := os.Args[1], os.Args[2], os.Args[3]
	if err := writeSchema(sourceDir, outputDir, version); err != nil {
		fmt.Fprintf(os.Stderr, "embed-schema: %v\n", err)
		os.Exit(1)
	}
	if err := writeMapping(sourceDir, outputDir); err != nil {
		fmt.Fprintf(os.Stderr, "embed-schema: %v\n", err)
		os.Exit(1)
	}
}

func writeSchema(sourceDir, outputDir, version string) error {
	source := filepath.Join(sourceDir, "schema.json")
	raw, err := os.ReadFile(source)
	if err != nil {
		return err
	}
	var spec schema.PackageSpec
	if err := json.Unmarshal(raw, &spec); err != nil {
		return fmt.Errorf("%s is not a package schema: %w", source, err)
	}
	spec.Version = version
	encoded, err := json.Marshal(spec)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(outputDir, "schema-embed.json"), encoded, 0o644)
}

func writeMapping(sourceDir, outputDir string) error {
	source := filepath.Join(sourceDir, "terraform-mapping.json")
	raw, err := os.ReadFile(source)
	if err != nil {
		return err
	}
	var mapping any
	if err := json.Unmarshal(raw, &mapping); err != nil {
		return fmt.Errorf("%s is not JSON: %w", source, err)
	}
	encoded, err := json.Marshal(mapping)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(outputDir, "terraform-mapping-embed.json"), encoded, 0o644)
}
