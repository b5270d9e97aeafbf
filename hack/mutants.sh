#!/usr/bin/env bash
# make mutants: gremlins (hack/versions.env) over each pure package of provider/pkg, one package at a
# time, one worker, at the lowest priority, then docs/mutation-score.md from its JSON output.
#
#   hack/mutants.sh                          # every package below
#   MUTANTS_PACKAGES="policy doctor" hack/mutants.sh   # only these; the others keep their last JSON
#   hack/mutants.sh ci                       # CI's sample (make mutants-ci), checked; see below
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
all="refusal adapterrules ownership promauth seldon inputs policy doctor resolve hpasim history search"
checked="policy ownership refusal adapterrules doctor"

# ci_sample: CI cannot afford every package (about 15 minutes on one core) on top of the suite, so
# it runs two: one chosen in turn by the number of commits, so that successive landings cover every
# package, and the first package (in that turn's order) the last commit changed, so a change is
# tried where it was made. Prints them, space-separated.
ci_sample() {
  local -a pkgs=($all)
  local n=${#pkgs[@]} turn; turn=$(( $(git rev-list --count HEAD) % n ))
  local sample=${pkgs[$turn]} changed; changed=$(git diff --name-only HEAD~1 HEAD -- provider/pkg/ 2>/dev/null || true)
  for i in $(seq 1 $((n - 1))); do
    local p=${pkgs[$(( (turn + i) % n ))]}
    if grep -q "^provider/pkg/$p/" <<<"$changed"; then sample="$sample $p"; break; fi
  done
  echo "$sample"
}

# unleash OUT WORKERS PACKAGE...: gremlins on each package, its JSON in OUT/<package>.json.
unleash() {
  local out=$1 workers=$2; shift 2
  mkdir -p "$out"
  for p in "$@"; do
    echo "[mutants] provider/pkg/$p" >&2
    GOFLAGS=-count=1 GOMAXPROCS=${MUTANTS_GOMAXPROCS:-1} nice -n 19 "$gremlins" unleash --workers "$workers" \
      --timeout-coefficient 10 --silent --output "$out/$p.json" "./provider/pkg/$p"
  done
}

report() { # report RESULTS OUT [FLAGS...]
  local results=$1 out=$2; shift 2
  nice -n 19 go run ./internal/mutants/cmd/mutants -results "$results" -packages "$all" -checked "$checked" \
    -equivalent hack/mutants-equivalent.txt -version "v$GREMLINS_VERSION" -out "$out" "$@"
}

if [ "${1:-}" = ci ]; then
  # Both cores (nothing else runs then), a fresh directory, and a check: every package run kills at
  # least 85% of the mutants its tests run, and no survivor of a checked package is unexplained.
  sample=$(ci_sample)
  echo "[mutants] CI sample: $sample" >&2
  rm -rf .state/mutants-ci
  start=$(date +%s)
  # shellcheck disable=SC2086
  unleash .state/mutants-ci 2 $sample
  echo "[mutants] CI sample took $(( $(date +%s) - start ))s" >&2
  report .state/mutants-ci .state/mutation-score-ci.md -command "make mutants-ci" -min-efficacy 85
  exit
fi
# shellcheck disable=SC2086
unleash .state/mutants 1 ${MUTANTS_PACKAGES:-$all}
report .state/mutants docs/mutation-score.md -command "make mutants"
