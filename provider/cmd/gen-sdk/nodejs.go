package main

import (
	"fmt"

	nodegen "github.com/pulumi/pulumi/pkg/v3/codegen/nodejs"
)

// writeNodejs generates the TypeScript SDK: sources, package.json (name and version from the
// schema's nodejs section) and tsconfig.json. It is a published package's source, not a local
// one (localSDK false): no postinstall compile on the user's machine, and the TypeScript compiler
// a development dependency. `make dist-nodejs` compiles it to JavaScript in bin/ with package.json
// and README beside it; that directory is what npm receives, as for every Pulumi TypeScript SDK.
func writeNodejs(schemaPath, outDir string) error {
	pkg, err := loadSchema(schemaPath)
	if err != nil {
		return err
	}
	files, err := nodegen.GeneratePackage(tool, pkg, nil, nil, false, noPackages{})
	if err != nil {
		return fmt.Errorf("generating the TypeScript SDK: %w", err)
	}
	return writeFiles(outDir, files)
}
