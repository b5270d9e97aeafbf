package main

import (
	"fmt"

	nodegen "github.com/pulumi/pulumi/pkg/v3/codegen/nodejs"
)

// writeNodejs generates the TypeScript SDK: sources, package.json (name and version from the
// schema's nodejs section) and tsconfig.json. Publishers build it with `npm run build`, copy
// package.json into bin/ and publish bin/, as every Pulumi TypeScript SDK is published.
func writeNodejs(schemaPath, outDir string) error {
	pkg, err := loadSchema(schemaPath)
	if err != nil {
		return err
	}
	files, err := nodegen.GeneratePackage(tool, pkg, nil, nil, true, noPackages{})
	if err != nil {
		return fmt.Errorf("generating the TypeScript SDK: %w", err)
	}
	return writeFiles(outDir, files)
}
