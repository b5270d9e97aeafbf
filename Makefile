# pulumi-seldon-autoscaling — one target per step. `make test` is what CI runs.
# The release version comes from git (hack/version.sh) and is written in no file: `make dist` injects
# it into the binaries, `make dist-sdks` into copies of the SDKs. The checked-in schema and SDKs carry
# the fixed DEV_VERSION instead, so that `make check-generated` gives the same files on every commit.
VERSION      ?= $(shell hack/version.sh)
DEV_VERSION  := 0.0.0-dev
SDK_VERSION  ?= $(DEV_VERSION)
SCHEMA       ?= schema.json
SDK_DIR      ?= sdk
DIST_TARGETS ?= all
PROVIDER     := pulumi-resource-seldon-autoscaling
BIN          := bin
TOOLS_BIN    := $(shell hack/tools.sh bindir)
GO_PACKAGES  := ./provider/... ./internal/... ./examples/...
E2E_TIMEOUT  ?= 40m

.PHONY: dist dist-check dist-sdks fixtures fuzz mutants mutants-ci pipeline-reaction all build schema sdk-go readme generate check-generated lint unit test e2e tools bench demo demo-down cluster-up cluster-down clean

all: build

build: ## the provider plugin
	go build -ldflags "-X main.Version=$(VERSION)" -o $(BIN)/$(PROVIDER) ./provider/cmd/$(PROVIDER)

schema: ## schema.json from the Go types
	go run ./provider/cmd/gen-sdk schema $(SCHEMA) $(SDK_VERSION)

# The Go SDK is its own module (sdk/go.mod, written by hand: the generated code's imports only).
sdk-go: schema ## the Go SDK from schema.json
	go run ./provider/cmd/gen-sdk go $(SCHEMA) $(SDK_DIR)/go

readme: ## the README's code, from the examples it shows
	go run ./provider/cmd/gen-sdk embed . README.md

.PHONY: sdks sdk-nodejs sdk-python sdk-java sdk-dotnet docs

sdk-nodejs: schema ## the TypeScript SDK from schema.json
	go run ./provider/cmd/gen-sdk nodejs $(SCHEMA) $(SDK_DIR)/nodejs

sdk-python: schema ## the Python SDK from schema.json
	go run ./provider/cmd/gen-sdk python $(SCHEMA) $(SDK_DIR)/python

# Java and .NET codegen pin other Pulumi versions: each is built from its own wrapper module.
sdk-java: schema ## the Java SDK (with a Maven pom.xml) from schema.json
	cd hack/gen-sdk-java && GOFLAGS=-mod=readonly go run . $(abspath $(SCHEMA)) $(abspath $(SDK_DIR))/java

sdk-dotnet: schema ## the C# SDK from schema.json (generated only: no .NET SDK here)
	cd hack/gen-sdk-dotnet && GOFLAGS=-mod=readonly go run . $(abspath $(SCHEMA)) $(abspath $(SDK_DIR))/dotnet

sdks: sdk-go sdk-nodejs sdk-python sdk-java sdk-dotnet ## every SDK from schema.json

# Every generated document, made here and nowhere else. Measured reports (docs/deploy-speed.md,
# docs/pipeline-reaction.md) are not: `make bench` and `make pipeline-reaction` measure them.
docs: schema ## docs/api.md, docs/bad-inputs.md, docs/policy-simulation.md and docs/policy-search.md from the code
	go run ./provider/cmd/gen-sdk apidoc schema.json docs/api.md
	go run ./provider/cmd/gen-sdk bad-inputs provider/pkg/component/testdata/bad-inputs.json docs/bad-inputs.md
	go run ./provider/cmd/gen-sdk inputs docs/inputs.md
	go run ./provider/cmd/seldon-autoscaling simulate-policies --out docs/policy-simulation.md
	go run ./provider/cmd/seldon-autoscaling search-policies --out docs/policy-search.md
	go run ./provider/cmd/gen-sdk embed . docs/installation-configuration.md

GENERATED := schema.json sdk README.md docs/api.md docs/bad-inputs.md docs/inputs.md docs/policy-simulation.md docs/policy-search.md \
             docs/installation-configuration.md

generate: schema sdks readme docs ## every generated file

check-generated: generate ## fails when any generated file is stale
	@if [ -n "$$(git status --porcelain -- $(GENERATED))" ]; then \
	  git status --porcelain -- $(GENERATED); git --no-pager diff --stat -- $(GENERATED); \
	  echo "generated files are stale: run 'make generate' and commit the result" >&2; exit 1; fi

# Release artifacts (docs/development.md, "Releasing"). DIST_TARGETS=host builds this machine's only.
# An older release's archives are removed first: the command refuses a directory holding strangers,
# which `upload dist/*.tar.gz` would ship.
dist: ## the plugin and the CLI as <name>-v<version>-<os>-<arch>.tar.gz for every platform, and SHA256SUMS, in dist/, read back and verified
	rm -f dist/*.tar.gz dist/SHA256SUMS
	go run ./internal/release/cmd/dist -version $(VERSION) -out dist -targets $(DIST_TARGETS)

# What CI proves of a release: archives built and verified (layout, platform in each binary's header, version,
# SHA256SUMS), into .state/ so that a dist/ being prepared is left alone. Every platform from a cold Go build cache
# costs ~2,700 CPU s (~22 min on 2 cores), more than CI's budget leaves beside a cold tools build: CI builds this
# machine's and one other platform in turn (by commit count), so six landings cover all; DIST_CHECK_TARGETS=all
# builds every one (and `make dist` verifies every one it builds).
DIST_CHECK_TARGETS ?= sample:$(shell git rev-list --count HEAD 2>/dev/null || echo 0)
dist-check: ## release archives (this platform and one other in turn; DIST_CHECK_TARGETS=all: every one) built and verified, in .state/dist
	rm -rf .state/dist
	go run ./internal/release/cmd/dist -version $(VERSION) -out .state/dist -targets $(DIST_CHECK_TARGETS)

# What npm, PyPI, Maven Central and NuGet receive: the SDKs generated again with the release version.
# The Go SDK is not among them: Go users get it from the repository at the tag sdk/v<version>.
dist-sdks: ## the schema and the SDKs stamped with the release version, in dist/schema.json and dist/sdk/
	mkdir -p dist
	$(MAKE) schema sdk-nodejs sdk-python sdk-java sdk-dotnet SCHEMA=dist/schema.json SDK_DIR=dist/sdk \
	  SDK_VERSION=$(VERSION)

lint: ## gofmt, go vet and golangci-lint (pinned, built into the tools cache)
	@out=$$(gofmt -l provider tests examples bench internal hack 2>/dev/null); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	go vet ./...
	hack/tools.sh golangci-lint
	$(TOOLS_BIN)/golangci-lint run ./...

unit: ## fast tests: pure packages and the component with a mocked engine
	go test -count=1 $(GO_PACKAGES)

fixtures: ## check the test bed's fixtures (../shared/fixtures, or $$SELDON_AUTOSCALING_FIXTURES) before any build
	go run ./internal/testbed/cmd/testbed fixtures

tools: ## build or reuse the pinned test-bed tools (cached under ~/.cache)
	hack/tools.sh all

# The tests that start a control plane: the e2e suite, then bench/'s check that the hand-written program
# matches the component. One after the other: the pipeline tests time the HPA controller on 2 cores.
e2e: fixtures tools ## end-to-end tests against a local control plane, and the benchmark's equivalence test
	go test -count=1 -timeout $(E2E_TIMEOUT) -v ./tests/e2e/...
	go test -count=1 -timeout $(E2E_TIMEOUT) -v ./bench/...

test: check-generated lint unit dist-check e2e ## everything CI checks

bench: fixtures tools ## micro-benchmarks (Resolve, Construct), then the component against a hand-written program and the floor, and engine settings at N=50; writes docs/micro-benchmarks.md and docs/deploy-speed.md
	mkdir -p .state
	go test -run '^$$' -bench . -benchmem -count 5 ./provider/... > .state/micro-benchmarks.txt; \
	  s=$$?; cat .state/micro-benchmarks.txt; exit $$s
	go test -run '^$$' -bench ExistingObjectCheck -benchmem -count 5 ./tests/e2e/ > .state/micro-e2e.txt; \
	  s=$$?; cat .state/micro-e2e.txt >> .state/micro-benchmarks.txt; cat .state/micro-e2e.txt; exit $$s
	go run ./bench/cmd/microbench -in .state/micro-benchmarks.txt -out docs/micro-benchmarks.md
	go run ./bench/cmd/deployspeed -n 1,10,50 -reps 5 -engine-n 50 -out docs/deploy-speed.md

.PHONY: deploy-speed-smoke
deploy-speed-smoke: fixtures tools ## the deploy-speed comparison at N=1, one set and two engine settings, report in .state/: checks the benchmark code still works
	go run ./bench/cmd/deployspeed -n 1 -reps 1 -smoke -engine-n 1 -engine-reps 1 \
	  -engine-settings default,parallel=4+skip-checkpoints -out .state/deploy-speed-smoke.md

pipeline-reaction: fixtures tools ## reaction time of the real metrics pipeline to a load step; writes docs/pipeline-reaction.md
	SELDON_PIPELINE_REACTION=1 go test -count=1 -timeout 30m -v -run TestPipelineReaction ./tests/e2e/

# A measurement, like bench: not in `make test`, not checked by check-generated. MUTANTS_PACKAGES="policy doctor"
# runs only those (the others keep their last result in .state/mutants). Nice'd, one gremlins worker.
mutants: ## mutation testing (gremlins) of provider/pkg's pure packages; writes docs/mutation-score.md
	hack/mutants.sh

# CI's share of it: two packages (one in turn, one the last commit changed), checked: each kills at least 85% of
# the mutants its tests run, and policy, ownership, refusal, adapterrules and doctor have no unexplained survivor.
mutants-ci: ## mutation testing of a sample of provider/pkg, checked; report in .state/mutation-score-ci.md
	hack/mutants.sh ci

FUZZTIME ?= 30s
fuzz: ## each fuzz target for FUZZTIME; crashers land in testdata/fuzz and stay as regression cases
	go test -run '^$$' -fuzz FuzzResolve -fuzztime $(FUZZTIME) ./provider/pkg/resolve/
	go test -run '^$$' -fuzz FuzzRender -fuzztime $(FUZZTIME) ./provider/pkg/adapterrules/

cluster-up: fixtures tools ## a local control plane with Seldon's CRDs; kubeconfig in .state/cluster/kubeconfig
	go run ./internal/testbed/cmd/testbed up

cluster-down:
	go run ./internal/testbed/cmd/testbed down

demo: fixtures tools ## examples/go on a local control plane with the real metrics pipeline: a load step up and down shown live, then the doctor
	go run ./internal/testbed/cmd/testbed demo

demo-down: ## destroy the demo stack and stop every process of the demo, by PID
	go run ./internal/testbed/cmd/testbed demo-down

clean:
	rm -rf $(BIN) .state dist
