package main

import (
	"fmt"

	pygen "github.com/pulumi/pulumi/pkg/v3/codegen/python"
)

// writePython generates the Python SDK: the pulumi_seldon_autoscaling package and its
// pyproject.toml (name and version from the schema's python section), installable with
// `pip install sdk/python`.
func writePython(schemaPath, outDir string) error {
	pkg, err := loadSchema(schemaPath)
	if err != nil {
		return err
	}
	files, err := pygen.GeneratePackage(tool, pkg, nil, noPackages{})
	if err != nil {
		return fmt.Errorf("generating the Python SDK: %w", err)
	}
	return writeFiles(outDir, files)
}
