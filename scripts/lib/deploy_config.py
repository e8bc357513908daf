"""Helpers for scripts/deploy.sh that bash cannot do reliably.

Run with the SAM CLI's own interpreter (see sam_python in common.sh) so that
samconfig.toml is read, and parameter_overrides is parsed, by exactly the code
`sam deploy` uses: a hand-written parser would disagree with SAM on quoting
sooner or later, and then the plan we print would not be what gets deployed.

read_config_env(samconfig, config_env, env_name) is what scripts/lib/preflight.py uses to read a
config env; cidr_verdict decides whether two VPC CIDRs can be peered.

Subcommands
  set-param <overrides.yaml> <key> <value>
      Sets one parameter in an overrides file written by preflight.py (deploy.sh
      adds SecondaryTableKeyArn, read from the secondary stack, before deploying
      the primary). Needs no SAM import, so any python3 runs it.
  cidr-check <cidr-a> <cidr-b>
      Exit 0 when both are valid IPv4 networks that do not overlap, 1 when they
      overlap, 2 when one is invalid (the verdict preflight.py applies).
"""

import ipaddress
import json
import sys
from pathlib import Path


class ConfigError(Exception):
    """samconfig.toml cannot give what a deploy needs (missing file or config env)."""


def read_config_env(samconfig: str, config_env: str, env_name: str):
    """(region, parameter overrides) of one config env, with EnvironmentName replaced by env_name."""
    from samcli.cli.types import CfnParameterOverridesType
    from samcli.lib.config.samconfig import SamConfig

    path = Path(samconfig)
    if not path.is_file():
        raise ConfigError(f"{samconfig} not found")
    config = SamConfig(str(path.parent), filename=path.name)
    if not config.exists():
        raise ConfigError(f"{samconfig} is empty or unreadable")
    # get_all merges [<env>.global.parameters] under [<env>.deploy.parameters], as sam does.
    try:
        params = config.get_all(["deploy"], "parameters", env=config_env)
    except KeyError:
        params = {}
    if not params:
        raise ConfigError(f"{samconfig} has no [{config_env}.deploy.parameters] section")
    overrides = CfnParameterOverridesType().convert(params.get("parameter_overrides", ""), None, None)
    overrides = {str(k): str(v) for k, v in overrides.items()}
    overrides["EnvironmentName"] = env_name
    for key, value in overrides.items():
        if "\t" in value or "\n" in value:
            raise ConfigError(f"parameter {key} contains a tab or newline")
    return str(params.get("region", "")), overrides


def cidr_verdict(a: str, b: str):
    """(0, message) when both are valid IPv4 networks that do not overlap; (1, why) when they overlap; (2, why)
    when one is invalid. Peered VPCs must not overlap at all, not merely differ as strings (10.0.0.0/16 and
    10.0.128.0/17 differ but overlap)."""
    try:
        net_a = ipaddress.IPv4Network(a, strict=True)
        net_b = ipaddress.IPv4Network(b, strict=True)
    except ValueError as exc:
        return 2, f"invalid CIDR: {exc}"
    if net_a.overlaps(net_b):
        return 1, f"{net_a} and {net_b} overlap"
    return 0, f"{net_a} and {net_b} do not overlap"


def cidr_check(a: str, b: str) -> int:
    code, message = cidr_verdict(a, b)
    if code:
        print(message, file=sys.stderr)
    return code


def set_param(out_file: str, key: str, value: str) -> int:
    path = Path(out_file)
    overrides = json.loads(path.read_text(encoding="utf-8"))
    overrides[key] = value
    path.write_text(json.dumps(overrides, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return 0


def main(argv: list[str]) -> int:
    if len(argv) == 5 and argv[1] == "set-param":
        return set_param(argv[2], argv[3], argv[4])
    if len(argv) == 4 and argv[1] == "cidr-check":
        return cidr_check(argv[2], argv[3])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
