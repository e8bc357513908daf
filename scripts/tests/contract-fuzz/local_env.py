"""What the regional stack would give the function, read from template.yaml, for the contract fuzz.

    python local_env.py <template.yaml> <environment-name> <out-dir>

Writes <out-dir>/create-table.json (`aws dynamodb create-table --cli-input-json`: the payments table's keys,
indexes and billing mode exactly as the template declares them), <out-dir>/ttl-attribute (the TTL attribute
name) and <out-dir>/function-env.json (the function's environment variables, as the local runtime's
`--env-file` reads them) and <out-dir>/ssm-parameters.json (name, type and value of every SSM parameter the
template creates whose value is known before deployment; the deploy script's secret is not among them).
Template parameters take their defaults; EnvironmentName is the given name and
RegionRole is primary. Deploying the whole stack (scripts/local.sh) takes minutes; these are the only parts
of it the API needs. Exits non-zero, naming the value, when something cannot be resolved.

Run with an interpreter that has PyYAML (the Schemathesis virtualenv has it).
"""
import json
import re
import sys
from pathlib import Path

import yaml


class CfnLoader(yaml.SafeLoader):
    """Reads CloudFormation short-form tags (!Ref, !Sub, !GetAtt, ...) as their long form."""


def _construct_tag(loader, tag_suffix, node):
    name = "Ref" if tag_suffix == "Ref" else "Fn::" + tag_suffix
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if tag_suffix == "GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


CfnLoader.add_multi_constructor("!", _construct_tag)


def resolve(value, parameters, where):
    """A plain string from a literal, !Ref to a parameter or !Sub over parameters; anything else is an error."""
    if isinstance(value, (str, int, float)):
        return str(value)
    if isinstance(value, dict) and set(value) == {"Ref"} and value["Ref"] in parameters:
        return parameters[value["Ref"]]
    if isinstance(value, dict) and set(value) == {"Fn::Sub"} and isinstance(value["Fn::Sub"], str):
        def substitute(match):
            name = match.group(1)
            if name not in parameters:
                raise SystemExit(f"local_env: {where}: cannot resolve ${{{name}}} outside a deployment")
            return parameters[name]
        return re.sub(r"\$\{([A-Za-z0-9:]+)\}", substitute, value["Fn::Sub"])
    raise SystemExit(f"local_env: {where}: cannot resolve {json.dumps(value)} outside a deployment")


def main(template_path, environment_name, out_dir):
    template = yaml.load(Path(template_path).read_text(encoding="utf-8"), Loader=CfnLoader)
    parameters = {name: str(spec["Default"]) for name, spec in template["Parameters"].items() if "Default" in spec}
    parameters.update({"EnvironmentName": environment_name, "RegionRole": "primary"})
    resources = template["Resources"]

    tables = [r for r in resources.values() if r["Type"] == "AWS::DynamoDB::GlobalTable"]
    # The API function (the template also has the scheduled ReconcilerFunction, with the same environment).
    functions = [r for name, r in resources.items()
                 if name == "PaymentFunction" and r["Type"] == "AWS::Serverless::Function"
                 and "Environment" in r["Properties"]]
    if len(tables) != 1 or len(functions) != 1:
        raise SystemExit(f"local_env: expected one global table and the PaymentFunction with an environment, "
                         f"found {len(tables)} and {len(functions)}")
    table = tables[0]["Properties"]
    create = {
        "TableName": resolve(table["TableName"], parameters, "TableName"),
        "AttributeDefinitions": table["AttributeDefinitions"],
        "KeySchema": table["KeySchema"],
        "BillingMode": table["BillingMode"],
    }
    if table.get("GlobalSecondaryIndexes"):
        create["GlobalSecondaryIndexes"] = [
            {"IndexName": g["IndexName"], "KeySchema": g["KeySchema"], "Projection": g["Projection"]}
            for g in table["GlobalSecondaryIndexes"]]
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "create-table.json").write_text(json.dumps(create, indent=2), encoding="utf-8")
    (out / "ttl-attribute").write_text(table["TimeToLiveSpecification"]["AttributeName"], encoding="utf-8")

    variables = functions[0]["Properties"]["Environment"]["Variables"]
    env = {name: resolve(value, parameters, f"Environment.{name}") for name, value in variables.items()}
    (out / "function-env.json").write_text(json.dumps(env, indent=2), encoding="utf-8")

    ssm = []
    for logical_id, resource in resources.items():
        if resource["Type"] != "AWS::SSM::Parameter":
            continue
        try:
            ssm.append({"Name": resolve(resource["Properties"]["Name"], parameters, logical_id),
                        "Type": resource["Properties"]["Type"],
                        "Value": resolve(resource["Properties"]["Value"], parameters, logical_id)})
        except SystemExit:
            continue  # e.g. the API's own URL: exists only once deployed, and the function does not read it
    (out / "ssm-parameters.json").write_text(json.dumps(ssm, indent=2), encoding="utf-8")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        raise SystemExit(__doc__)
    main(*sys.argv[1:])
