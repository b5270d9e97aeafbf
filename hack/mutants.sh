#!/usr/bin/env bash
# make mutants: gremlins (hack/versions.env) over each pure package of provider/pkg, one package at a
# time, one worker, at the lowest priority, then docs/mutation-score.md from its JSON output.
#
#   hack/mutants.sh                          # every package below
#   MUTANTS_PACKAGES="policy doctor" hack/mutants.sh   # only these; the others keep their last JSON
#
# The JSON of each package stays in .state/mutants/<package>.json; the report is rendered from all of
# them, so a package not run (no JSON) shows as such.
#
# Two settings are not gremlins' defaults, both measured on gremlins v0.6.0:
#   - no --test-cpu: it passes "-cpu N" as one argument, which `go test` takes for a package path, so
#     every mutant fails to build and counts as killed. GOMAXPROCS limits the tests (and the build) instead.
#   - GOFLAGS=-count=1 and --timeout-coefficient 10: the timeout is the coverage run's time times the
#     coefficient; a cached coverage run (0.15 s) with the default 3 times out mutants that only compile.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local
. hack/versions.env
hack/tools.sh gremlins
gremlins="$(hack/tools.sh bindir)/gremlins"
out=.state/mutants
all="refusal adapterrules ownership promauth seldon inputs policy doctor resolve hpasim"
packages=${MUTANTS_PACKAGES:-$all}
mkdir -p "$out"
for p in $packages; do
  echo "[mutants] provider/pkg/$p" >&2
  GOFLAGS=-count=1 GOMAXPROCS=${MUTANTS_GOMAXPROCS:-1} nice -n 19 \
    "$gremlins" unleash --workers 1 --timeout-coefficient 10 --silent --output "$out/$p.json" "./provider/pkg/$p"
done
nice -n 19 go run ./internal/mutants/cmd/mutants -results "$out" -packages "$all" \
  -checked "policy ownership refusal adapterrules doctor" -equivalent hack/mutants-equivalent.txt \
  -version "v$GREMLINS_VERSION" -command "make mutants" -out docs/mutation-score.md
