// Runs the TypeScript example's program (examples/ts, compiled to bin/) as an inline Automation
// API program against the test bed. sdks_test.go copies this file next to the compiled example.
//
//   node automation.js up|destroy SPEC.json
//
// SPEC.json: {stack, project, workDir, pulumiHome, pulumiRoot, env, config}. workDir holds the
// Pulumi.yaml the test wrote: the file backend and the plugins' local paths, so the engine never
// downloads anything.
// The last line on stdout is JSON: {"outputs": {...}, "changes": {...}}.
"use strict";
const fs = require("fs");
const auto = require("@pulumi/pulumi/automation");
const { autoscaledModel } = require("./bin/autoscaledModel");

async function main() {
    const [action, specPath] = process.argv.slice(2);
    const spec = JSON.parse(fs.readFileSync(specPath, "utf8"));
    const pulumiCommand = await auto.PulumiCommand.get({ root: spec.pulumiRoot });
    const stack = await auto.LocalWorkspace.createOrSelectStack(
        { stackName: spec.stack, projectName: spec.project, program: async () => autoscaledModel() },
        {
            workDir: spec.workDir,
            pulumiHome: spec.pulumiHome,
            pulumiCommand,
            secretsProvider: "passphrase",
            envVars: spec.env,
        },
    );
    const config = {};
    for (const [k, v] of Object.entries(spec.config || {})) {
        config[k] = { value: v };
    }
    await stack.setAllConfig(config);
    const onOutput = (s) => process.stderr.write(s);
    let result;
    if (action === "up") {
        const res = await stack.up({ onOutput });
        const outputs = {};
        for (const [k, v] of Object.entries(res.outputs)) {
            outputs[k] = v.value;
        }
        result = { outputs, changes: res.summary.resourceChanges || {} };
    } else if (action === "destroy") {
        const res = await stack.destroy({ onOutput });
        result = { outputs: {}, changes: res.summary.resourceChanges || {} };
    } else {
        throw new Error(`unknown action ${action}`);
    }
    process.stdout.write("\n" + JSON.stringify(result) + "\n");
}

main().catch((err) => {
    console.error(err);
    process.exit(1);
});
