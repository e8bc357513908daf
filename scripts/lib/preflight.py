"""Preflight of scripts/deploy.sh: every reason a first deploy to a real account fails (or goes green while
broken) that can be known before anything is created, each checked and printed with the value found.

Run with the SAM CLI's interpreter (sam_python in common.sh): samconfig.toml is read by SAM's own parser
(deploy_config.py) and AWS is asked with boto3, which that interpreter carries. One process for all of it:
every AWS CLI v1 call would cost about a second of Python start-up.

    preflight.py --samconfig F --config C --env E --template T --work DIR [--allow-table-rekey]

Writes DIR/<role>-overrides.yaml (all parameter overrides, for `sam deploy --parameter-overrides file://`)
and DIR/plan.tsv ("<role>\\tregion\\t<r>", "<role>\\tparam\\t<key>\\t<value>", "-\\taccount\\t<id>\\t<arn>").
Prints one line per check: "ok", "REFUSED" (with the reason and the fix), "warning" or "skipped".
Exit 0 when nothing was refused, 1 when something was, 2 for bad arguments, 3 when it crashed.

Canned answers (tests only): with AWS_ENDPOINT_URL set (never against AWS), DEPLOY_PREFLIGHT_CANNED may
name a directory whose "<region>-<service>-<Operation>.json" files (region "global" for IAM) replace the
emulator's answer for APIs whose limits it cannot model (an account's Lambda concurrency limit, which AZs
an endpoint service is offered in). Every such answer is labelled "(canned: <file>)" in the output.
"""

import argparse
import json
import os
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import deploy_config  # noqa: E402  (same directory)

REGIONS = {"primary": "us-east-1", "secondary": "us-east-2"}
ROLES = ("primary", "secondary")
# Lambda keeps this much of the account's concurrency limit unreserved, always.
LAMBDA_UNRESERVED_MINIMUM = 100
# AZ IDs where Lambda cannot place a VPC function's network interfaces ("The provided subnets contain
# availability zone Lambda doesn't support"); Lambda has no API to ask, so the known one is listed.
LAMBDA_UNSUPPORTED_AZ_IDS = {"use1-az3"}
# RFC 2606 / 6761 names that never reach a real identity provider, processor or mailbox.
PLACEHOLDER = re.compile(r"(^|[./@])(example\.(com|net|org)|[a-z0-9-]+\.(invalid|example|test)|localhost)(\b|$)",
                         re.IGNORECASE)
# Interface endpoints the template creates: always SSM, the others behind their Enable* parameter.
OPTIONAL_ENDPOINTS = {"EnableKmsEndpoint": "kms", "EnableLogsEndpoint": "logs", "EnableXRayEndpoint": "xray"}
DYNAMODB_REPLICATION_SLR = "AWSServiceRoleForDynamoDBReplication"


class Report:
    def __init__(self):
        self.refused = 0

    def line(self, status, check, text):
        print(f"{status:<9}{check}: {text}", flush=True)

    def ok(self, check, text):
        self.line("ok", check, text)

    def refuse(self, check, reason, fix):
        self.refused += 1
        self.line("REFUSED", check, f"{reason}. Fix: {fix}")

    def warn(self, check, text):
        self.line("warning", check, text)

    def skip(self, check, text):
        self.line("skipped", check, text)


class Aws:
    """boto3 clients per region, plus the canned answers a test may substitute on the emulator."""

    def __init__(self):
        import boto3
        from botocore.config import Config

        self.boto3 = boto3
        self.config = Config(retries={"mode": "standard", "max_attempts": 8}, connect_timeout=10, read_timeout=30)
        self.clients = {}
        canned = os.environ.get("DEPLOY_PREFLIGHT_CANNED", "")
        self.canned = Path(canned) if canned and os.environ.get("AWS_ENDPOINT_URL") else None

    def client(self, service, region):
        key = (service, region)
        if key not in self.clients:
            self.clients[key] = self.boto3.client(service, region_name=region, config=self.config)
        return self.clients[key]

    def call(self, service, region, operation, **kwargs):
        """(answer, label): the API's answer, or a canned one on the emulator, with a note saying which."""
        if self.canned:
            name = f"{region or 'global'}-{service}-{operation}.json"
            path = self.canned / name
            if path.is_file():
                return json.loads(path.read_text(encoding="utf-8")), f" (canned: {name})"
        method = getattr(self.client(service, region or "us-east-1"), _snake(operation))
        return method(**kwargs), ""


def _snake(name):
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _error_code(exc):
    return getattr(exc, "response", {}).get("Error", {}).get("Code", type(exc).__name__)


# ---- configuration (no AWS) ---------------------------------------------------------------------------------

def template_parameters(template):
    from samcli.yamlhelper import yaml_parse

    body = yaml_parse(Path(template).read_text(encoding="utf-8"))
    return body.get("Parameters", {}), body.get("Mappings", {})


def read_plan(args, report):
    """Per role: region and the parameter overrides; writes the override files. None when unreadable."""
    plan = {}
    for role in ROLES:
        config_env = f"{args.config}-{role}"
        out_file = Path(args.work) / f"{role}-overrides.yaml"
        try:
            region, overrides = deploy_config.read_config_env(args.samconfig, config_env, args.env)
        except deploy_config.ConfigError as exc:
            report.refuse("config", f"{exc}",
                          f"add [{config_env}.deploy.parameters] to {args.samconfig} (copy the prod-* sections), "
                          f"or deploy a throwaway environment with dev's settings: --config dev")
            return None
        out_file.write_text(json.dumps(overrides, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        plan[role] = {"region": region, "overrides": overrides, "config_env": config_env}
    return plan


def effective(plan, defaults):
    """Parameter values as the stack will see them: the template's defaults, then the overrides."""
    values = {}
    for role in ROLES:
        merged = {k: str(v.get("Default", "")) for k, v in defaults.items() if "Default" in v}
        merged.update(plan[role]["overrides"])
        values[role] = merged
    return values


def check_config(args, plan, values, report):
    for role in ROLES:
        region = plan[role]["region"]
        if region != REGIONS[role]:
            report.refuse("config", f"[{plan[role]['config_env']}] deploys to region '{region}'",
                          f"docs/architecture.md fixes {REGIONS[role]} for the {role}")
        for key in ("VpcCidr", "PeerVpcCidr", "RegionRole"):
            if not plan[role]["overrides"].get(key):
                report.refuse("config", f"[{plan[role]['config_env']}] parameter_overrides lacks {key}",
                              f"set {key} in {args.samconfig}")
        if plan[role]["overrides"].get("RegionRole", role) != role:
            report.refuse("config", f"[{plan[role]['config_env']}] sets RegionRole="
                                    f"{plan[role]['overrides']['RegionRole']}", f"set RegionRole={role}")
    if report.refused:
        return
    p, s = plan["primary"]["overrides"], plan["secondary"]["overrides"]
    if p["PeerVpcCidr"] != s["VpcCidr"] or s["PeerVpcCidr"] != p["VpcCidr"]:
        report.refuse("cidrs", "each side's PeerVpcCidr must be the other side's VpcCidr",
                      f"mirror VpcCidr/PeerVpcCidr in [{args.config}-primary] and [{args.config}-secondary]")
    else:
        code, message = deploy_config.cidr_verdict(p["VpcCidr"], s["VpcCidr"])
        if code == 0:
            report.ok("cidrs", f"VpcCidr {p['VpcCidr']} ({REGIONS['primary']}) and {s['VpcCidr']} "
                               f"({REGIONS['secondary']}) mirrored and disjoint")
        else:
            report.refuse("cidrs", f"VPC CIDRs cannot be peered: {message}", "pick two disjoint private /16s")

    is_dev = args.config == "dev"
    if args.env.startswith("prod") and is_dev:
        report.refuse("environment", f"environment '{args.env}' with the dev config (placeholders, no deletion "
                                     "protection)", f"deploy it with its own config: --config {args.env} "
                                                    f"(or drop --config)")
    found = []
    for role in ROLES:
        for key, value in sorted(values[role].items()):
            if PLACEHOLDER.search(value):
                found.append((role, key, value))
    if is_dev:
        keys = sorted({k for _, k, _ in found})
        report.ok("placeholders", f"allowed for the dev config ({', '.join(keys) or 'none'} in use)")
    elif not found:
        report.ok("placeholders", "no example.com/.invalid/.test/localhost value in either region")
    else:
        for key in sorted({k for _, k, _ in found}):
            roles = [r for r, k, _ in found if k == key]
            value = next(v for _, k, v in found if k == key)
            report.refuse("placeholders", f"{key}={value} is a placeholder ([{args.config}-{'/'.join(roles)}])",
                          f"set the real {key} in {args.samconfig}")

    required = {"TableDeletionProtection": "true", "EnableFlowLogs": "true"}
    for key, want in required.items():
        got = {role: values[role].get(key, "") for role in ROLES}
        if is_dev:
            report.ok("environment-safety", f"{key}: {got['primary']}/{got['secondary']} (dev config: not required)")
        elif all(v == want for v in got.values()):
            report.ok("environment-safety", f"{key}={want} in both regions")
        else:
            report.refuse("environment-safety",
                          f"{key}={got['primary']}/{got['secondary']} (primary/secondary) outside the dev config",
                          f"set {key}={want} in [{args.config}-primary] and [{args.config}-secondary]")
    emails = {role: values[role].get("AlarmEmail", "") for role in ROLES}
    if is_dev:
        report.ok("environment-safety", f"AlarmEmail: '{emails['primary']}' (dev config: not required)")
    elif all(emails.values()):
        report.ok("environment-safety", f"AlarmEmail {emails['primary']} / {emails['secondary']}")
    else:
        report.refuse("environment-safety", "AlarmEmail is empty: alarms would notify nobody",
                      f"set AlarmEmail in [{args.config}-primary] and [{args.config}-secondary]")


# ---- AWS --------------------------------------------------------------------------------------------------

def caller(aws, report):
    try:
        ident, _ = aws.call("sts", "us-east-1", "GetCallerIdentity")
    except Exception as exc:  # noqa: BLE001 (any failure means no usable credentials)
        report.refuse("credentials", f"sts get-caller-identity failed: {_error_code(exc)}",
                      "configure credentials for the target account (AWS_PROFILE or the usual variables)")
        return None
    report.ok("credentials", f"account {ident['Account']} as {ident['Arn']}")
    return ident


def availability_zones(aws, values, report):
    """{role: [(az_id, az_name), ...]} for the subnets, or None for a region that cannot be used."""
    chosen = {}
    for role in ROLES:
        region = REGIONS[role]
        try:
            answer, note = aws.call("ec2", region, "DescribeAvailabilityZones")
        except Exception as exc:  # noqa: BLE001
            report.refuse("availability-zones", f"{region}: describe-availability-zones failed: {_error_code(exc)}",
                          f"enable region {region} for the account, and allow ec2:DescribeAvailabilityZones")
            chosen[role] = None
            continue
        zones = {z["ZoneId"]: z for z in answer.get("AvailabilityZones", [])}
        ids = [values[role]["_AzA"], values[role]["_AzB"]]
        problems = []
        if ids[0] == ids[1]:
            problems.append(f"both subnets in {ids[0]}")
        for az_id in ids:
            zone = zones.get(az_id)
            if zone is None:
                problems.append(f"{az_id} is not an AZ of {region} (it has {', '.join(sorted(zones))})")
            elif zone.get("State") != "available":
                problems.append(f"{az_id} is {zone.get('State')}")
            elif az_id in LAMBDA_UNSUPPORTED_AZ_IDS:
                problems.append(f"{az_id} does not support Lambda VPC networking")
        if problems:
            for problem in problems:
                report.refuse("availability-zones", f"{region}: {problem}{note}",
                              f"set AvailabilityZoneIdA/B for the {role} to two AZ IDs from "
                              f"`aws ec2 describe-availability-zones --region {region}`")
            chosen[role] = None
        else:
            chosen[role] = [(az_id, zones[az_id]["ZoneName"]) for az_id in ids]
            report.ok("availability-zones", f"{region}: subnets in "
                      + ", ".join(f"{i} ({n})" for i, n in chosen[role]) + f" of {len(zones)} AZs{note}")
    return chosen


def endpoint_services(aws, values, zones, report):
    for role in ROLES:
        region = REGIONS[role]
        if not zones.get(role):
            report.skip("endpoint-services", f"{region}: no usable AZs to check")
            continue
        services = ["ssm"] + [s for k, s in OPTIONAL_ENDPOINTS.items() if values[role].get(k) == "true"]
        names = [f"com.amazonaws.{region}.{s}" for s in services]
        try:
            answer, note = aws.call("ec2", region, "DescribeVpcEndpointServices", ServiceNames=names)
        except Exception as exc:  # noqa: BLE001
            report.refuse("endpoint-services", f"{region}: describe-vpc-endpoint-services failed: "
                                               f"{_error_code(exc)}", "allow ec2:DescribeVpcEndpointServices")
            continue
        offered = {d["ServiceName"]: set(d.get("AvailabilityZones", [])) for d in answer.get("ServiceDetails", [])}
        bad = False
        for name in names:
            if name not in offered:
                report.refuse("endpoint-services", f"{name} is not offered in {region}{note}",
                              "turn the optional endpoint off (Enable*Endpoint=false) or pick another region")
                bad = True
                continue
            for az_id, az_name in zones[role]:
                if az_name not in offered[name]:
                    report.refuse("endpoint-services", f"{name} is not offered in {az_id} ({az_name}){note}",
                                  f"pick AZ IDs where it is: {', '.join(sorted(offered[name]))} "
                                  f"(names of this account; map with describe-availability-zones)")
                    bad = True
        if not bad:
            report.ok("endpoint-services", f"{region}: {', '.join(services)} offered in "
                      + " and ".join(i for i, _ in zones[role]) + note)


def lambda_concurrency(aws, env, values, report):
    for role in ROLES:
        region = REGIONS[role]
        try:
            wanted = int(values[role].get("ReservedConcurrency", "0") or "0")
        except ValueError:
            report.refuse("lambda-concurrency", f"ReservedConcurrency={values[role]['ReservedConcurrency']} "
                                                "is not a number", "set a whole number (0 reserves nothing)")
            continue
        try:
            answer, note = aws.call("lambda", region, "GetAccountSettings")
        except Exception as exc:  # noqa: BLE001
            report.refuse("lambda-concurrency", f"{region}: lambda get-account-settings failed: {_error_code(exc)}",
                          "allow lambda:GetAccountSettings")
            continue
        limit = int(answer["AccountLimit"]["ConcurrentExecutions"])
        unreserved = int(answer["AccountLimit"]["UnreservedConcurrentExecutions"])
        if wanted == 0:
            report.ok("lambda-concurrency", f"{region}: nothing reserved (ReservedConcurrency=0); account limit "
                                            f"{limit}{note}")
            continue
        current = 0
        try:
            got = aws.client("lambda", region).get_function_concurrency(FunctionName=f"payments-{env}-api")
            current = int(got.get("ReservedConcurrentExecutions") or 0)
        except Exception as exc:  # noqa: BLE001
            if _error_code(exc) != "ResourceNotFoundException":
                report.warn("lambda-concurrency", f"{region}: cannot read the function's current reservation "
                                                  f"({_error_code(exc)}); assuming none")
        left = unreserved + current - wanted
        if limit < wanted + LAMBDA_UNRESERVED_MINIMUM:
            report.refuse("lambda-concurrency",
                          f"{region}: account concurrency limit is {limit}; ReservedConcurrency={wanted} needs at "
                          f"least {wanted + LAMBDA_UNRESERVED_MINIMUM} ({LAMBDA_UNRESERVED_MINIMUM} stay "
                          f"unreserved){note}",
                          "ask for a higher 'Concurrent executions' quota (Service Quotas, Lambda, L-B9A9384C) "
                          "in both regions, or lower ReservedConcurrency (0 reserves nothing)")
        elif left < LAMBDA_UNRESERVED_MINIMUM:
            report.refuse("lambda-concurrency",
                          f"{region}: only {unreserved} of {limit} unreserved; reserving {wanted} would leave "
                          f"{left}, below {LAMBDA_UNRESERVED_MINIMUM}{note}",
                          "free reservations of other functions, raise the quota, or lower ReservedConcurrency")
        else:
            report.ok("lambda-concurrency", f"{region}: limit {limit}, unreserved {unreserved}; reserving {wanted} "
                                            f"leaves {left}{note}")


def principal_arn(aws, ident, report):
    """The IAM ARN to simulate, or None (root, federated users: nothing to simulate)."""
    arn = ident["Arn"]
    if arn.endswith(":root"):
        report.skip("permissions", "the account root user may do everything (and should not deploy)")
        return None
    match = re.match(r"^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role/([^/]+)/", arn)
    if match:
        try:
            role, _ = aws.call("iam", None, "GetRole", RoleName=match.group(3))
            return role["Role"]["Arn"]
        except Exception as exc:  # noqa: BLE001
            report.warn("permissions", f"cannot resolve role {match.group(3)} ({_error_code(exc)}); "
                                       "check the list in docs/deploy.md by hand")
            return None
    if ":user/" in arn:
        return arn
    report.skip("permissions", f"{arn} is not an IAM user or role; check the list in docs/deploy.md by hand")
    return None


def permission_checks(account, partition, env, slr_exists):
    """(label, actions, resources, context) groups that simulate-principal-policy evaluates."""
    table = f"arn:{partition}:dynamodb:{{r}}:{account}:table/payments-{env}"
    groups = [
        ("stack operations", [
            "cloudformation:CreateChangeSet", "cloudformation:ExecuteChangeSet", "cloudformation:DescribeStacks",
            "iam:CreateRole", "iam:PutRolePolicy", "iam:PassRole", "lambda:CreateFunction",
            "lambda:PublishVersion", "ec2:CreateVpc", "ec2:CreateSubnet", "ec2:CreateVpcEndpoint",
            "ec2:CreateVpcPeeringConnection", "ec2:AcceptVpcPeeringConnection", "ec2:CreateRoute",
            "kms:CreateKey", "kms:CreateAlias", "ssm:PutParameter", "logs:CreateLogGroup",
            "logs:PutDataProtectionPolicy", "apigateway:POST", "s3:PutObject",
            # The reconciler's schedule (EventBridge rule invoking the function).
            "events:PutRule", "events:PutTargets", "lambda:AddPermission"], ["*"], []),
    ]
    for region in REGIONS.values():
        groups.append((f"global table in {region}", [
            "dynamodb:CreateTable", "dynamodb:CreateTableReplica", "dynamodb:UpdateTable",
            "dynamodb:DescribeTable"], [table.format(r=region)], []))
        # DynamoDB creates grants on the replica's key on the caller's behalf.
        groups.append((f"table key grants in {region}", [
            "kms:CreateGrant", "kms:DescribeKey", "kms:Decrypt", "kms:Encrypt"],
            [f"arn:{partition}:kms:{region}:{account}:key/*"],
            [{"ContextKeyName": "kms:ViaService", "ContextKeyValues": [f"dynamodb.{region}.amazonaws.com"],
              "ContextKeyType": "string"},
             {"ContextKeyName": "kms:GrantIsForAWSResource", "ContextKeyValues": ["true"],
              "ContextKeyType": "boolean"}]))
    if not slr_exists:
        groups.append(("DynamoDB replication service-linked role", ["iam:CreateServiceLinkedRole"],
                       [f"arn:{partition}:iam::{account}:role/aws-service-role/replication.dynamodb.amazonaws.com/"
                        f"{DYNAMODB_REPLICATION_SLR}"],
                       [{"ContextKeyName": "iam:AWSServiceName",
                         "ContextKeyValues": ["replication.dynamodb.amazonaws.com"], "ContextKeyType": "string"}]))
    return groups


def permissions(aws, ident, env, report):
    arn = principal_arn(aws, ident, report)
    if arn is None:
        return
    partition = arn.split(":")[1]
    slr_exists = False
    try:
        aws.call("iam", None, "GetRole", RoleName=DYNAMODB_REPLICATION_SLR)
        slr_exists = True
    except Exception as exc:  # noqa: BLE001
        if _error_code(exc) not in ("NoSuchEntity", "NoSuchEntityException"):
            report.warn("permissions", f"cannot tell whether {DYNAMODB_REPLICATION_SLR} exists "
                                       f"({_error_code(exc)}); checking iam:CreateServiceLinkedRole anyway")
    if slr_exists:
        report.ok("permissions", f"{DYNAMODB_REPLICATION_SLR} exists (iam:CreateServiceLinkedRole not needed)")
    checked = denied = 0
    for label, actions, resources, context in permission_checks(ident["Account"], partition, env, slr_exists):
        kwargs = {"PolicySourceArn": arn, "ActionNames": actions, "ResourceArns": resources}
        if context:
            kwargs["ContextEntries"] = context
        try:
            answer, note = aws.call("iam", None, "SimulatePrincipalPolicy", **kwargs)
        except Exception as exc:  # noqa: BLE001
            report.warn("permissions", f"cannot simulate ({_error_code(exc)}: iam:SimulatePrincipalPolicy on "
                                       f"{arn} needed); check the list in docs/deploy.md by hand")
            return
        for result in answer.get("EvaluationResults", []):
            checked += 1
            if result.get("EvalDecision") != "allowed":
                denied += 1
                report.refuse("permissions", f"{arn} may not {result['EvalActionName']} ({label}: "
                                             f"{result.get('EvalDecision')}){note}",
                              "grant it (docs/deploy.md, 'Deployer permissions')")
    if not denied:
        report.ok("permissions", f"{arn}: all {checked} deploy actions allowed by its IAM policies "
                                 f"(SCPs and key policies are not simulated)")


def table_key(aws, env, allow_rekey, report):
    stacks = {}
    for role in ROLES:
        try:
            got = aws.client("cloudformation", REGIONS[role]).describe_stacks(StackName=f"payments-{env}-{role}")
            stacks[role] = got["Stacks"][0]
        except Exception as exc:  # noqa: BLE001
            if "does not exist" not in str(exc):
                report.refuse("table-key", f"cannot read stack payments-{env}-{role}: {_error_code(exc)}",
                              "allow cloudformation:DescribeStacks")
                return
    if "primary" not in stacks:
        report.ok("table-key", "no primary stack yet: it will name the secondary stack's table key by ARN")
        return
    params = {p["ParameterKey"]: p.get("ParameterValue", "") for p in stacks["primary"].get("Parameters", [])}
    current = params.get("SecondaryTableKeyArn", "")
    secondary = stacks.get("secondary")
    new = ""
    if secondary:
        new = next((o["OutputValue"] for o in secondary.get("Outputs", []) if o["OutputKey"] == "TableKeyArn"), "")
    if not current:
        report.ok("table-key", f"primary stack predates SecondaryTableKeyArn; will set it to {new or '(new key)'}")
    elif current == new:
        report.ok("table-key", f"{REGIONS['secondary']} replica key unchanged: {current}")
    else:
        what = (f"stack payments-{env}-secondary now has table key {new}" if new else
                f"stack payments-{env}-secondary does not exist, and creating it makes a new table key")
        text = (f"the {REGIONS['secondary']} replica is encrypted with {current}, but {what}; deploying would "
                f"re-encrypt the replica with the other key")
        if allow_rekey:
            report.warn("table-key", text + " (--allow-table-rekey given: proceeding)")
        else:
            report.refuse("table-key", text, "if that is intended, rerun with --allow-table-rekey; otherwise restore "
                                             "the secondary stack's key")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samconfig", required=True)
    parser.add_argument("--config", required=True)
    parser.add_argument("--env", required=True)
    parser.add_argument("--template", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--allow-table-rekey", action="store_true")
    args = parser.parse_args()

    report = Report()
    plan = read_plan(args, report)
    if plan is None:
        return 1
    defaults, mappings = template_parameters(args.template)
    values = effective(plan, defaults)
    for role in ROLES:  # AZ IDs: the parameter, else the template's mapping for the region
        for slot in ("A", "B"):
            given = values[role].get(f"AvailabilityZoneId{slot}", "")
            values[role][f"_Az{slot}"] = given or mappings.get("AvailabilityZoneIds", {}).get(
                REGIONS[role], {}).get(slot, "")
    check_config(args, plan, values, report)

    with open(Path(args.work) / "plan.tsv", "w", encoding="utf-8") as tsv:
        for role in ROLES:
            tsv.write(f"{role}\tregion\t{plan[role]['region']}\n")
            for key, value in sorted(plan[role]["overrides"].items()):
                tsv.write(f"{role}\tparam\t{key}\t{value}\n")
        aws = Aws()
        ident = caller(aws, report)
        if ident:
            tsv.write(f"-\taccount\t{ident['Account']}\t{ident['Arn']}\n")
            zones = availability_zones(aws, values, report)
            endpoint_services(aws, values, zones, report)
            lambda_concurrency(aws, args.env, values, report)
            permissions(aws, ident, args.env, report)
            table_key(aws, args.env, args.allow_table_rekey, report)
    return 1 if report.refused else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as exc:  # noqa: BLE001  (a crash is not a refusal: deploy.sh tells them apart)
        import traceback

        traceback.print_exc()
        print(f"preflight crashed: {type(exc).__name__}: {exc}", file=sys.stderr)
        sys.exit(3)
