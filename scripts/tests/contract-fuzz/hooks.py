"""Schemathesis hooks for scripts/tests/contract-fuzz.sh. Two things, both reported at the end of a run (plus a
count of answers by operation and status, so a run shows what it exercised).

1. The deployment's configuration goes into the contract. api/openapi.yaml says the accepted currencies and
   their maxima are configuration (SSM currency-limits); the fuzz environment's configuration is known
   (FUZZ_CURRENCY_LIMITS), so the schema is narrowed to it: `Currency` becomes that set and a new payment's
   `amount` gets that maximum. Without this, every `"currency": "QQQ"` would be a schema-valid request the API
   rightly refuses.

2. Known mismatches that JSON Schema cannot describe are accepted, each by a rule that matches only that case:
   the failing check, the status, the problem's `type` or field, and the request that caused it. Anything else,
   including the same status for another reason, still fails the run. Every entry says where its fix belongs.
"""
import atexit
import json
import os
import re
import threading
import uuid
from collections import Counter

import schemathesis

LIMITS = json.loads(os.environ["FUZZ_CURRENCY_LIMITS"])
PROBLEM_TYPES = "https://payments.acme.example/problems/"
_example_keys = set()  # the documented example Idempotency-Key, read from the file


@schemathesis.hook
def before_load_schema(context, raw_schema):
    maxima = set(LIMITS.values())
    if len(maxima) != 1:
        raise ValueError("FUZZ_CURRENCY_LIMITS must give every currency the same maximum, so that it is one "
                         f"schema bound; got {LIMITS}")
    schemas = raw_schema["components"]["schemas"]
    schemas["Currency"]["enum"] = sorted(LIMITS)
    schemas["CreatePaymentRequest"]["properties"]["amount"]["maximum"] = maxima.pop()
    _example_keys.add(raw_schema["components"]["parameters"]["IdempotencyKey"]["example"])


def _problem(response):
    try:
        body = json.loads(response.content)
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _field_errors(response):
    return [(e.get("field"), e.get("detail", "")) for e in _problem(response).get("errors", []) if isinstance(e, dict)]


def _unissued_cursor(failure, case, response):
    """A cursor is valid only when this API issued it to this merchant (`nextCursor`); any other string of the
    documented shape answers 400, as the contract says. No schema can list the issued cursors."""
    return (type(failure).__name__ == "RejectedPositiveData" and response.status_code == 400
            and case.operation.method.upper() == "GET" and case.operation.path == "/payments"
            and "cursor" in (case.query or {})
            and [f for f, _ in _field_errors(response)] == ["cursor"])


def _reused_idempotency_key(failure, case, response):
    """A schema-valid POST whose Idempotency-Key an earlier request used with another body answers 422, as the
    contract says (the examples phase sends the documented example key with every POST). That depends on
    earlier requests, which no schema describes."""
    return (type(failure).__name__ == "RejectedPositiveData" and response.status_code == 422
            and _problem(response).get("type") == PROBLEM_TYPES + "idempotency-mismatch")


def _luhn_run(text):
    """True when `text` holds 13-19 consecutive digits (single spaces or dashes allowed between them) passing
    the Luhn check: a superset of what the handler's PanDetector flags, used only to confirm its answer."""
    for run in re.findall(r"[0-9](?:[ -]?[0-9])+", text):
        digits = [int(c) for c in run if c.isdigit()]
        for start in range(len(digits)):
            for length in range(13, 20):
                window = digits[start:start + length]
                if len(window) == length and sum(
                        d if i % 2 == 0 else (d * 2 - 9 if d > 4 else d * 2)
                        for i, d in enumerate(reversed(window))) % 10 == 0:
                    return True
    return False


def _card_number_like(failure, case, response):
    """Anything that looks like a card number (13-19 digits passing Luhn) anywhere in a body is refused with
    400, as the contract says, even where the schema admits it (a description, a metadata value, a 16-digit
    amount). JSON Schema has no Luhn check."""
    return (type(failure).__name__ == "RejectedPositiveData" and response.status_code == 400
            and _problem(response).get("title") == "Card number rejected"
            and _luhn_run(json.dumps(case.body, ensure_ascii=False)))


def _capture_above_authorized(failure, case, response):
    """A capture of more than the payment's authorized amount answers 400 (the contract says 1..authorizedAmount);
    the bound is the payment's, not the schema's."""
    return (type(failure).__name__ == "RejectedPositiveData" and response.status_code == 400
            and case.operation.path == "/payments/{id}/capture"
            and any(f == "amount" and "authorized amount" in d for f, d in _field_errors(response)))


ACCEPTED = {
    "card-number-like digits (Luhn) in an otherwise valid body answered 400": _card_number_like,
    "capture above the authorized amount answered 400": _capture_above_authorized,
    "cursor not issued by the API answered 400": _unissued_cursor,
    "Idempotency-Key reused with another body answered 422": _reused_idempotency_key,
}
_accepted = Counter()
_answers = Counter()
_lock = threading.Lock()


@schemathesis.hook
def before_call(context, case, kwargs):
    """The documented example Idempotency-Key stands for "a fresh key": the examples and coverage phases would
    otherwise send it with every POST, and all but the first would only test the 422 for a reused key."""
    headers = case.headers or {}
    if headers.get("Idempotency-Key") in _example_keys:
        headers["Idempotency-Key"] = str(uuid.uuid4())


@schemathesis.hook
def after_call(context, case, response):
    """Counts answers per operation and status, so a run shows what it exercised (not just that nothing failed)."""
    with _lock:
        _answers[(f"{case.operation.method.upper()} {case.operation.path}", response.status_code)] += 1


@schemathesis.hook
def filter_failure(context, failure, case, response):
    for name, rule in ACCEPTED.items():
        if rule(failure, case, response):
            with _lock:
                _accepted[name] += 1
            return False
    return True


@atexit.register
def _write_summary():
    lines = [f"Narrowed to the fuzz configuration: currencies {sorted(LIMITS)}, amount <= {max(LIMITS.values())}",
             "Accepted known mismatches (each matched by an exact rule in scripts/tests/contract-fuzz/hooks.py):"]
    lines += [f"  {_accepted[name]:6d}  {name}" for name in ACCEPTED]
    lines.append("Answers by operation and status:")
    for operation in sorted({op for op, _ in _answers}):
        counts = sorted((status, n) for (op, status), n in _answers.items() if op == operation)
        lines.append(f"  {operation:32s} " + "  ".join(f"{status}x{n}" for status, n in counts))
    with open(os.environ.get("FUZZ_SUMMARY", os.devnull), "w", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")
