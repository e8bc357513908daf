# The single entry point for building, testing and running the payments backend.
# `make help` lists the targets. Every Java build goes through ./mvnw with the JDK 25 that
# scripts/bootstrap.sh records in .tools/java-home.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

# Resolved from this file's location, so `make -f /path/to/Makefile` and `sam build` (which runs
# make from a scratch directory) find the scripts too.
REPO_ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
JAVA_HOME_FILE := $(REPO_ROOT)/.tools/java-home
# Expanded when a recipe runs, i.e. after `bootstrap` has written .tools/java-home.
MVNW = JAVA_HOME="$$(cat $(JAVA_HOME_FILE))" $(REPO_ROOT)/mvnw -B -ntp -f $(REPO_ROOT)/pom.xml

# `sam build` calls `build-PaymentFunction` (Metadata BuildMethod: makefile); that target lives in
# its own fragment. Optional include, so the other targets work before the fragment exists.
-include $(REPO_ROOT)/scripts/sam-build-target.mk

.PHONY: help bootstrap build test test-deploy fuzz local token invoke deploy teardown failover smoke bench emulator-start emulator-stop clean simulate

help: ## List the targets
	@printf 'Usage: make <target>\n\n'
	@grep -hE '^[a-zA-Z0-9_.-]+:.*## ' $(MAKEFILE_LIST) \
	  | awk 'BEGIN {FS = ":.*## "} !seen[$$1]++ {printf "  %-22s %s\n", $$1, $$2}'

bootstrap: ## Install the pinned toolchain into .tools/ (idempotent; ~3 min on a fresh machine)
	$(REPO_ROOT)/scripts/bootstrap.sh

build: bootstrap ## Compile and package all modules, tests skipped (shaded jar: payment-function/target/payment-function.jar)
	$(MVNW) package -DskipTests

test: ## Run every test: unit, integration (against the emulator), template checks, script tests
	$(REPO_ROOT)/scripts/test-all.sh

test-deploy: bootstrap ## The deploy end-to-end test with every kill point (make test kills after two steps; ~5 min longer)
	DEPLOY_E2E_KILL_STEPS="peering routes handoff" EMULATOR_PORT="$${EMULATOR_PORT:-4566}" bash $(REPO_ROOT)/scripts/tests/deploy-e2e.sh

fuzz: bootstrap ## The API contract fuzzed for 10 minutes (make test runs 1 minute): Schemathesis vs the local API from api/openapi.yaml [FUZZ_MAX_TIME=600 FUZZ_SEED=n]
	FUZZ_MAX_TIME="$${FUZZ_MAX_TIME:-600}" $(REPO_ROOT)/scripts/tests/contract-fuzz.sh

simulate: bootstrap ## Money-safety simulator, as many seeded histories as asked: make simulate SEEDS=100000 [FIRST_SEED=1]
	# One reactor (shared + payment-function), so the run never picks up another checkout's jars from ~/.m2.
	$(MVNW) -q -pl shared,payment-function -am test \
	  -Dtest='MoneySimulationTest#everyHistoryKeepsOurRecordsEqualToTheProcessorsLedger' -Dsurefire.failIfNoSpecifiedTests=false \
	  -Dsimulation.seeds="$${SEEDS:-2000}" -Dsimulation.firstSeed="$${FIRST_SEED:-1}" \
	  || { cat $(REPO_ROOT)/payment-function/target/simulation-summary.txt 2>/dev/null; exit 1; }
	cat $(REPO_ROOT)/payment-function/target/simulation-summary.txt

emulator-start: ## Start the local AWS emulator on EMULATOR_PORT (default 4566)
	$(REPO_ROOT)/scripts/emulator.sh start

emulator-stop: ## Stop the emulator that emulator-start started
	$(REPO_ROOT)/scripts/emulator.sh stop

clean: ## Remove build output (target/, .aws-sam/); keeps .tools/ and running emulators
	JAVA_HOME="$$(cat $(JAVA_HOME_FILE) 2>/dev/null || echo "$${JAVA_HOME:-}")" \
	  $(REPO_ROOT)/mvnw -B -ntp -q -f $(REPO_ROOT)/pom.xml clean
	rm -rf $(REPO_ROOT)/.aws-sam

local: ## The whole system without Docker: emulator, both regions deployed, stub processor, API on 127.0.0.1:3000 (us-east-1) and :3001 (us-east-2)
	$(REPO_ROOT)/scripts/local.sh

# The local issuer is part of `make local` (in-memory key: tokens die with it). URL-safe merchant ids only.
token: ## Print a JWT for the local API, signed by make local's issuer: make token MERCHANT=m_1 [TTL=3600] [ISSUER_PORT=3002]
	@curl -sS --fail-with-body -m 5 \
	  "http://127.0.0.1:$${ISSUER_PORT:-3002}/token?merchant=$${MERCHANT:?set MERCHANT=<merchant id>}&ttl=$${TTL:-3600}" \
	  || { echo "make token: no token from the local issuer on 127.0.0.1:$${ISSUER_PORT:-3002} (is make local running?)" >&2; exit 1; }

invoke: ## One event through the handler in a fresh JVM against the local stack: make invoke EVENT=events/create.json [REGION=us-east-2] [PAYMENT_ID=pay_…]
	$(REPO_ROOT)/scripts/invoke.sh

deploy: ## Ordered two-region deploy (real AWS, or the emulator when AWS_ENDPOINT_URL is set): make deploy ENV=dev [ARGS="--dry-run"]
	$(REPO_ROOT)/scripts/deploy.sh --env "$${ENV:?set ENV=<environment>}" $(ARGS)

failover: ## Move writes to another region (fence, wait, promote, smoke): make failover ENV=dev TO=us-east-2 [ARGS="--emergency"]
	$(REPO_ROOT)/scripts/failover.sh --env "$${ENV:?set ENV=<environment>}" --to "$${TO:?set TO=<region>}" $(ARGS)

smoke: ## The function smoke test in the active region, and a refused write in the other: make smoke ENV=dev
	$(REPO_ROOT)/scripts/smoke.sh --env "$${ENV:?set ENV=<environment>}"

teardown: ## Reverse of deploy: make teardown ENV=dev [ARGS=--yes]
	$(REPO_ROOT)/scripts/teardown.sh --env "$${ENV:?set ENV=<environment>}" $(ARGS)

bench: bootstrap ## Benchmarks: cold path (also under RIE + the Java runtime client), warm overhead, package size, throughput (~10-12 min); results in docs/benchmarks.md
	$(REPO_ROOT)/scripts/bench.sh
