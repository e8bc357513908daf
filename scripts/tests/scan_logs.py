#!/usr/bin/env python3
"""Scans every log the test run produced for secrets: payment-method tokens, processor API keys and PAN-like
numbers (13-19 digits, spaces/dashes allowed, passing Luhn). Prints the figure and exits 1 on any hit.

Scanned: surefire/failsafe output of every module (what the code under test logged), the emulator and local-loop
logs under .local/. Masked tokens (tok_…1234) are what the code is supposed to log and do not count.
"""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
TOKEN = re.compile(r"\b(?:tok|pm)_[A-Za-z0-9_]{5,}")
API_KEY = re.compile(r"\b(?:it-processor-key-[0-9a-f]+|local-dev-[A-Za-z0-9]{8,})")
DIGITS = re.compile(r"(?<![0-9])[0-9](?:[ -]?[0-9]){12,18}(?![0-9])")


def luhn(number: str) -> bool:
    total, double = 0, False
    for ch in reversed(number):
        d = int(ch)
        if double:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
        double = not double
    return total % 10 == 0


def pan_like(text: str):
    for m in DIGITS.finditer(text):
        digits = re.sub(r"[ -]", "", m.group(0))
        if 13 <= len(digits) <= 19 and luhn(digits) and len(set(digits)) > 1:
            yield m.group(0)


def files():
    # What the code under test wrote: test output of every module, the local runtime's and the emulator's logs.
    # (The scripts' own console output, e.g. local.sh's banner with sample curl commands, is not a log.)
    for pattern in ("*/target/surefire-reports/*-output.txt", "*/target/failsafe-reports/*-output.txt",
                    ".local/loop-*/runtime.log", ".local/emulator-*/emulator.log", ".local/deploy-e2e*/*.log"):
        yield from ROOT.glob(pattern)


def self_test() -> None:
    """The scanner must be able to fail: planted secrets are found, masked ones are not."""
    planted = 'x 4111 1111 1111 1111 y {"pm":"tok_visa_4242abcd"} key=it-processor-key-0a1b2c3d'
    assert list(pan_like(planted)), "PAN not detected"
    assert TOKEN.findall(planted), "token not detected"
    assert API_KEY.findall(planted), "api key not detected"
    clean = '{"paymentMethod":"tok_…4242","Timestamp":0,"id":"pay_0192f7e0-0000-7000-8000-000000000001"}'
    assert not list(pan_like(clean)) and not TOKEN.findall(clean), "false positive"


def main() -> int:
    self_test()
    scanned, hits = 0, []
    for path in files():
        scanned += 1
        for lineno, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            # Timestamps like 1795875213848 are 13 digits; EMF "Timestamp" fields are not card numbers, nor are
            # jqwik's reproduction seeds.
            if '"Timestamp"' in line:
                line = re.sub(r'"Timestamp":\d+', '"Timestamp":0', line)
            line = re.sub(r"seed = -?\d+", "seed = 0", line)
            for kind, found in (("token", TOKEN.findall(line)), ("api-key", API_KEY.findall(line)),
                                ("pan", list(pan_like(line)))):
                for value in found:
                    hits.append((path.relative_to(ROOT), lineno, kind, value[:6] + "…"))
    print(f"log-scan: {scanned} log files, {len(hits)} hits (tokens, API keys, PAN-like numbers)")
    for h in hits[:20]:
        print("  %s:%d %s %s" % h)
    return 1 if hits else 0


if __name__ == "__main__":
    sys.exit(main())
