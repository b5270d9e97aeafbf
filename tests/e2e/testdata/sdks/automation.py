"""Runs the Python example's program (examples/python) as an inline Automation API program against
the test bed. sdks_test.go runs it with the example's virtualenv, from a copy of the example.

    python automation.py up|destroy SPEC.json

SPEC.json: {stack, project, workDir, pulumiHome, pulumiRoot, env, config}. workDir holds the
Pulumi.yaml the test wrote: the file backend and the plugins' local paths, so the engine never
downloads anything. The last line on stdout is JSON: {"outputs": {...}, "changes": {...}}.
"""

import json
import sys

import pulumi.automation as auto

from autoscaled_model import program


def main() -> None:
    action, spec_path = sys.argv[1], sys.argv[2]
    with open(spec_path, encoding="utf-8") as f:
        spec = json.load(f)
    stack = auto.create_or_select_stack(
        stack_name=spec["stack"],
        project_name=spec["project"],
        program=program,
        opts=auto.LocalWorkspaceOptions(
            work_dir=spec["workDir"],
            pulumi_home=spec["pulumiHome"],
            pulumi_command=auto.PulumiCommand(root=spec["pulumiRoot"]),
            secrets_provider="passphrase",
            env_vars=spec["env"],
        ),
    )
    stack.set_all_config({k: auto.ConfigValue(value=v) for k, v in (spec.get("config") or {}).items()})
    on_output = lambda line: print(line, file=sys.stderr, flush=True)  # noqa: E731
    if action == "up":
        up = stack.up(on_output=on_output)
        result = {
            "outputs": {k: v.value for k, v in up.outputs.items()},
            "changes": up.summary.resource_changes or {},
        }
    elif action == "destroy":
        down = stack.destroy(on_output=on_output)
        result = {"outputs": {}, "changes": down.summary.resource_changes or {}}
    else:
        raise SystemExit(f"unknown action {action}")
    print()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
