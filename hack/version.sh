#!/usr/bin/env bash
# Prints the release version, from git alone, so that no file holds it by hand:
#   HEAD tagged vX.Y.Z              -> X.Y.Z
#   N commits after tag vX.Y.Z      -> X.Y.(Z+1)-dev.N+g<sha>  (after X.Y.Z, before the next release)
#   no tag yet                      -> 0.0.0-dev+g<sha>
# A tree with uncommitted changes adds .dirty to the build metadata. All are valid semver, as the
# engine and `pulumi plugin install` require.
set -euo pipefail
cd "$(dirname "$0")/.."
sha=$(git rev-parse --short=12 HEAD)
meta="g$sha"
if [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then meta="$meta.dirty"; fi
if ! desc=$(git describe --tags --long --match 'v[0-9]*.[0-9]*.[0-9]*' 2>/dev/null); then
  echo "0.0.0-dev+$meta"; exit 0
fi
# v1.2.3-4-gabcdef (the tag may itself carry a pre-release: v1.2.3-rc.1-4-gabcdef)
n=${desc%-g*}; n=${n##*-}
tag=${desc%-*-g*}; tag=${tag#v}
if [ "$n" = 0 ] && [ "$meta" = "g$sha" ]; then echo "$tag"; exit 0; fi
if [ "$n" = 0 ]; then echo "$tag+$meta"; exit 0; fi
core=${tag%%-*}
if [ "$core" != "$tag" ]; then  # after a pre-release tag: stay below its release
  echo "$tag.dev.$n+$meta"; exit 0
fi
IFS=. read -r major minor patch <<<"$core"
echo "$major.$minor.$((patch + 1))-dev.$n+$meta"
