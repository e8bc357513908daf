#!/usr/bin/env python3
"""Builds HTTP API (payload 2.0) events for `aws lambda invoke` and reads the function's answers.

Used by scripts/lib/smoke.sh: the deploy and failover smoke steps call the deployed function
directly (IAM, not the JWT authorizer), so they need no merchant token.

  function_event.py event <method> <path> <claim-name> <merchant> [<idempotency-key> [<json-body>]]
  function_event.py answer <invoke-output-file>
      prints one line, tab-separated:
        HTTP <status> <problem-type|-> <id|-> <payment-status|-> <activeRegion|-> <writable|->
      or, when the function itself failed (or could not run):
        ERROR <errorType> <first line of errorMessage>
"""
import json
import sys
import time
import uuid


def event(method, path, claim, merchant, key=None, body=None):
    headers = {"content-type": "application/json", "user-agent": "payments-smoke"}
    if key:
        headers["idempotency-key"] = key
    now = time.time()
    return {
        "version": "2.0",
        "routeKey": f"{method} {path}",
        "rawPath": path,
        "rawQueryString": "",
        "headers": headers,
        "requestContext": {
            "authorizer": {"jwt": {"claims": {claim: merchant}, "scopes": []}},
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1",
                     "sourceIp": "127.0.0.1", "userAgent": "payments-smoke"},
            "requestId": "smoke-" + uuid.uuid4().hex[:16],
            "routeKey": f"{method} {path}",
            "stage": "$default",
            "timeEpoch": int(now * 1000),
        },
        "body": body,
        "isBase64Encoded": False,
    }


def answer(path):
    with open(path, encoding="utf-8") as f:
        raw = f.read()
    try:
        out = json.loads(raw)
    except ValueError:
        return "ERROR\tUnreadableAnswer\t" + raw[:120].replace("\n", " ").replace("\t", " ")
    if not isinstance(out, dict) or "statusCode" not in out:
        kind = out.get("errorType", "FunctionError") if isinstance(out, dict) else "FunctionError"
        message = str(out.get("errorMessage", "")) if isinstance(out, dict) else raw
        first = message.splitlines()[0][:200].replace("\t", " ") if message.strip() else "-"
        return "ERROR\t" + kind + "\t" + first
    try:
        body = json.loads(out.get("body") or "{}")
    except ValueError:
        body = {}

    def field(name):
        value = body.get(name) if isinstance(body, dict) else None
        if value is None:
            return "-"
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    problem = field("type")
    problem = problem.rsplit("/", 1)[-1] if problem != "-" else "-"
    return "\t".join(["HTTP", str(out["statusCode"]), problem, field("id"), field("status"),
                      field("activeRegion"), field("writable")])


def main(argv):
    if len(argv) >= 5 and argv[0] == "event":
        print(json.dumps(event(*argv[1:7])))
        return 0
    if len(argv) == 2 and argv[0] == "answer":
        print(answer(argv[1]))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
