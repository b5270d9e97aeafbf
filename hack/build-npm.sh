#!/usr/bin/env bash
# Turns a generated TypeScript SDK into the package npm receives: its own dependencies installed,
# the sources compiled to JavaScript and type declarations in SDK_DIR/bin, package.json and
# README.md copied beside them. SDK_DIR/bin is the package's root: `npm publish SDK_DIR/bin`.
# Users then install JavaScript; nothing compiles on their machines.
#
#   hack/build-npm.sh SDK_DIR [extra npm install flags, such as --cache DIR --prefer-offline]
set -euo pipefail
sdk=$1; shift
cd "$sdk"
npm install --no-audit --no-fund --loglevel=warn "$@"
npm run build
cp package.json README.md bin/
