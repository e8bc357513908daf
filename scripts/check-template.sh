#!/usr/bin/env bash
# Template checks (run by `make test`): every one must pass, or this exits non-zero.
#   1. sam validate --lint          SAM's own validation plus cfn-lint on the transformed template
#   2. cfn-lint template.yaml       every error, warning and informational finding fails
#   3. checkov, twice, zero failed checks:
#        on template.yaml           (sees the SAM resources and their inline suppressions)
#        on the SAM-transformed     (sees what SAM generates: the Lambda function, API stage with its
#        template                    access log settings, versions, permissions; more checks apply)
# Suppressions live in template.yaml next to the resource, each with its reason (checkov: Metadata
# checkov skip with a comment; SAM copies a function's Metadata to the function it generates).
# Offline: no network calls (checkov --skip-download; the SAM transform runs locally).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="$ROOT/.tools/bin"
TEMPLATE="$(realpath "${1:-$ROOT/template.yaml}")"   # an argument checks another file (used to prove a failure fails)
cd "$ROOT"
for tool in sam cfn-lint checkov; do
  [[ -x $BIN/$tool ]] || { echo "$BIN/$tool missing: run scripts/bootstrap.sh" >&2; exit 1; }
done
# The SAM transform and validation need a region; nothing here talks to AWS.
export AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1 SAM_CLI_TELEMETRY=0
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

echo "==> sam validate --lint"
"$BIN/sam" validate --lint --template-file "$TEMPLATE" --region us-east-1

echo "==> cfn-lint"
"$BIN/cfn-lint" --format parseable -- "$TEMPLATE"
echo "cfn-lint: no findings"

echo "==> SAM transform (for the second checkov pass)"
# The SAM CLI's own interpreter, so the transform is the one `sam deploy` applies.
sam_python="$(head -n1 "$(readlink -f "$BIN/sam")")"
sam_python="${sam_python#\#!}"
"$sam_python" - "$TEMPLATE" > "$WORK/transformed.json" <<'PY'
import json
import sys

from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse


class NoManagedPolicies:
    """The template attaches no managed policies by name, so nothing has to be looked up in IAM."""

    def load(self):
        return {}


with open(sys.argv[1]) as f:
    template = yaml_parse(f.read())
# `sam deploy` replaces CodeUri with the uploaded artifact's S3 location; the translator accepts only that.
for resource in template.get("Resources", {}).values():
    if resource.get("Type") == "AWS::Serverless::Function":
        resource["Properties"]["CodeUri"] = "s3://artifact-bucket/payment-function.zip"
json.dump(transform(template, {}, NoManagedPolicies()), sys.stdout, indent=1)
PY
echo "transformed: $(grep -c '"Type": "AWS::' "$WORK/transformed.json") resources"

# checkov_pass <label> <file>: zero failed checks, and at least one check must have run (a template
# checkov could not parse yields no failures, which is no evidence of anything).
checkov_pass() {
  local label="$1" file="$2" rc=0
  echo "==> checkov ($label)"
  "$BIN/checkov" -f "$file" --framework cloudformation --quiet --compact --skip-download \
    --output json > "$WORK/checkov.json" 2> "$WORK/checkov.err" || rc=$?
  python3 - "$WORK/checkov.json" "$label" <<'PY' || { cat "$WORK/checkov.err" >&2; return 1; }
import json
import sys

path, label = sys.argv[1], sys.argv[2]
try:
    with open(path) as f:
        report = json.load(f)
except ValueError:
    sys.exit(f"checkov ({label}): no JSON report")
reports = report if isinstance(report, list) else [report]
passed = sum(r.get("summary", {}).get("passed", 0) for r in reports)
failed = sum(r.get("summary", {}).get("failed", 0) for r in reports)
skipped = sum(r.get("summary", {}).get("skipped", 0) for r in reports)
errors = sum(r.get("summary", {}).get("parsing_errors", 0) for r in reports)
for r in reports:
    for check in r.get("results", {}).get("failed_checks", []):
        print(f"  FAILED {check['check_id']} {check['check_name']}: {check['resource']}")
print(f"checkov ({label}): {passed} passed, {failed} failed, {skipped} skipped (inline suppressions)")
if errors:
    sys.exit(f"checkov ({label}): {errors} parsing error(s)")
if passed == 0:
    sys.exit(f"checkov ({label}): no checks ran")
if failed:
    sys.exit(1)
PY
  # A non-zero exit without failed checks (a crash) is a failure too.
  (( rc == 0 )) || { echo "checkov ($label) exited $rc" >&2; cat "$WORK/checkov.err" >&2; return 1; }
}
checkov_pass "$(basename "$TEMPLATE")" "$TEMPLATE"
checkov_pass "SAM-transformed template" "$WORK/transformed.json"

echo "template checks: all passed"
