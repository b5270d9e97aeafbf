#!/usr/bin/env bash
# A deployment pipeline for a stack that uses SeldonAutoscaledModel: preview is the gate, then up.
# Every guard of the component runs at preview (bad inputs, and objects in the cluster the stack
# does not own), so a refused change fails the pipeline before anything in the cluster changes.
#
# Usage: deploy.sh PROJECT_DIR STACK
# Environment: PULUMI_BACKEND_URL (or a prior `pulumi login`), PULUMI_CONFIG_PASSPHRASE (or another
# secrets provider), KUBECONFIG for the deployer's service account (deploy/rbac.yaml), and
# optionally PROMETHEUS_TOKEN, stored as a Pulumi secret for a program that reads `prometheusToken`.
set -euo pipefail
project_dir=$1 stack=$2
cd "$project_dir"
# embed:begin steps
pulumi stack select --create "$stack" --non-interactive
if [[ -n "${PROMETHEUS_TOKEN:-}" ]]; then
  # Encrypted in the stack's config and state; the component passes it on only in a Kubernetes Secret.
  pulumi config set --secret prometheusToken "$PROMETHEUS_TOKEN" --non-interactive
fi
pulumi preview --non-interactive --diff         # the gate: every guard runs here
pulumi up --non-interactive --yes --skip-preview
# embed:end steps
