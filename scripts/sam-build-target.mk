# `sam build` targets for PaymentFunction and ReconcilerFunction (template.yaml: Metadata BuildMethod: makefile). SAM runs
# `make build-PaymentFunction` with ARTIFACTS_DIR set to the function's build directory; the root
# Makefile includes this fragment. samconfig.toml builds in source (build_in_source), so SAM does not
# copy the repository (.tools/ included) to a scratch directory first; the paths below are resolved
# from this file's location anyway, so the target also works from any working directory.
#
# The artifact is the shaded jar unpacked into ARTIFACTS_DIR: the java25 runtime puts the root of the
# zip (classes, resources) on the classpath, and unzip keeps the jar's fixed entry timestamps
# (project.build.outputTimestamp), so an unchanged source tree gives a byte-identical artifact and
# `sam deploy` finds nothing to change.
#
# PAYMENT_FUNCTION_JAR=<path> packages that jar instead of running Maven. RegionalStackDeployIT uses it to
# deploy the jar its own Maven run just built, rather than starting a second Maven inside the first.

SAM_BUILD_ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))/..)
SAM_BUILD_JAR := $(or $(PAYMENT_FUNCTION_JAR),$(SAM_BUILD_ROOT)/payment-function/target/payment-function.jar)

.PHONY: build-PaymentFunction
build-PaymentFunction:
	@test -n "$(ARTIFACTS_DIR)" || { echo "build-PaymentFunction: ARTIFACTS_DIR is not set (run it through sam build)" >&2; exit 2; }
ifeq ($(PAYMENT_FUNCTION_JAR),)
	@# The JDK 25 that scripts/bootstrap.sh recorded, else whatever JAVA_HOME the caller has; the
	@# Maven enforcer rejects anything older than 25 with a clear message.
	@# Under the build lock (where flock exists): `make test` runs the deploy end-to-end test, whose sam
	@# build lands here, beside other tests that copy the same jars (scripts/tests/contract-fuzz.sh).
	mkdir -p '$(SAM_BUILD_ROOT)/.local'
	JAVA_HOME="$$(cat '$(SAM_BUILD_ROOT)/.tools/java-home' 2>/dev/null || printf '%s' "$${JAVA_HOME:-}")" \
	  $$(command -v flock >/dev/null && printf "flock %s" '$(SAM_BUILD_ROOT)/.local/jar-build.lock') \
	  '$(SAM_BUILD_ROOT)/mvnw' -B -q -ntp -f '$(SAM_BUILD_ROOT)/pom.xml' \
	  -pl payment-function -am -DskipTests package
else
	@echo "build-PaymentFunction: packaging the prebuilt $(SAM_BUILD_JAR) (PAYMENT_FUNCTION_JAR), Maven not run"
endif
	mkdir -p '$(ARTIFACTS_DIR)'
	cd '$(ARTIFACTS_DIR)' && unzip -q -o '$(SAM_BUILD_JAR)'
	@# The handler class must be at the root of the artifact, or Lambda fails every invoke with
	@# ClassNotFoundException; fail the build instead.
	test -f '$(ARTIFACTS_DIR)/com/acme/payments/function/PaymentHandler.class'

# The scheduled reconciler is the same jar with another handler: the same build, into its own artifact.
.PHONY: build-ReconcilerFunction
build-ReconcilerFunction: build-PaymentFunction
	test -f '$(ARTIFACTS_DIR)/com/acme/payments/function/ReconcilerHandler.class'
