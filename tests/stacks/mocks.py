"""Pulumi mocks for the stack tests: plausible ids, ARNs and URLs, and a record of every resource declared."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import pulumi

ACCOUNT: Final = "123456789012"
REGION: Final = "us-east-1"
ZONES: Final = ("us-east-1a", "us-east-1b", "us-east-1c")
LAYER_ARN: Final = f"arn:aws:lambda:{REGION}:027255383542:layer:AWS-AppConfig-Extension:207"
USER_POOL_ID: Final = f"{REGION}_AbCdEf123"
CLIENT_ID: Final = "1example23456789clientid"
API_ID: Final = "abcdefghijklmnopqrstuvwxyz"
FUNCTION_URL: Final = f"https://fnurl1234567890.lambda-url.{REGION}.on.aws/"
RANDOM_PASSWORD: Final = "MockRandomPassword0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ"  # 64 of [A-Za-z0-9]


@dataclass(frozen=True, slots=True)
class Declared:
    type: str
    name: str
    inputs: dict[str, Any]
    state: dict[str, Any]


def _arn(service: str, rest: str) -> str:
    return f"arn:aws:{service}:{REGION}:{ACCOUNT}:{rest}"


class RecordingMocks(pulumi.runtime.Mocks):
    """Answers like AWS would (ids, ARNs, URLs) and keeps every declared resource in ``declared``."""

    def __init__(self) -> None:
        self.declared: list[Declared] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        inputs = dict(args.inputs)
        name = args.name
        resource_id, extra = self._outputs(args.typ, name, inputs)
        state = {**inputs, **extra}
        self.declared.append(Declared(args.typ, name, inputs, state))
        return resource_id, state

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:
        token = args.token
        if token == "aws:index/getAvailabilityZones:getAvailabilityZones":
            return {"id": REGION, "names": list(ZONES), "zoneIds": ["use1-az1", "use1-az2", "use1-az4"]}
        if token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {
                "id": ACCOUNT,
                "accountId": ACCOUNT,
                "arn": f"arn:aws:iam::{ACCOUNT}:user/deployer",
                "userId": "AIDAEXAMPLE",
            }
        if token == "aws:ec2/getAmi:getAmi":
            return {"id": "ami-0123456789abcdef0", "architecture": "arm64", "name": "al2023-ami-2023.6-arm64"}
        return {}

    def _outputs(self, typ: str, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        physical = inputs.get("name") or name
        if typ == "aws:rds/cluster:Cluster":
            ident = inputs.get("clusterIdentifier", name)
            return ident, {
                "arn": _arn("rds", f"cluster:{ident}"),
                "clusterIdentifier": ident,
                "endpoint": f"{ident}.cluster-c0example.{REGION}.rds.amazonaws.com",
                "port": inputs.get("port", 5432),
                "masterUserSecrets": [
                    {
                        "secretArn": _arn("secretsmanager", f"secret:rds!cluster-{ident}-AbCdEf"),
                        "secretStatus": "active",
                    }
                ],
            }
        if typ == "aws:elasticache/serverlessCache:ServerlessCache":
            return physical, {
                "arn": _arn("elasticache", f"serverlesscache:{physical}"),
                "endpoints": [{"address": f"{physical}-abc123.serverless.use1.cache.amazonaws.com", "port": 6379}],
            }
        if typ == "aws:cognito/userPool:UserPool":
            return USER_POOL_ID, {
                "arn": _arn("cognito-idp", f"userpool/{USER_POOL_ID}"),
                "endpoint": f"cognito-idp.{REGION}.amazonaws.com/{USER_POOL_ID}",
            }
        if typ == "aws:cognito/userPoolClient:UserPoolClient":
            return CLIENT_ID, {"clientSecret": "mock-client-secret"}
        if typ == "aws:appsync/graphQLApi:GraphQLApi":
            return API_ID, {
                "arn": _arn("appsync", f"apis/{API_ID}"),
                "uris": {"GRAPHQL": f"https://{API_ID}.appsync-api.{REGION}.amazonaws.com/graphql"},
            }
        if typ == "aws:lambda/function:Function":
            return physical, {"arn": _arn("lambda", f"function:{physical}")}
        if typ == "aws:lambda/functionUrl:FunctionUrl":
            return name, {"functionUrl": FUNCTION_URL, "urlId": "fnurl1234567890"}
        if typ == "aws:cloudwatch/logGroup:LogGroup":
            return physical, {"arn": _arn("logs", f"log-group:{physical}")}
        if typ == "aws:s3/bucket:Bucket":
            bucket = inputs.get("bucket", name)
            return bucket, {"arn": f"arn:aws:s3:::{bucket}", "bucket": bucket}
        if typ == "aws:ec2/vpcEndpoint:VpcEndpoint":
            return f"vpce-{name}", {"prefixListId": "pl-63a5400a" if inputs.get("vpcEndpointType") == "Gateway" else ""}
        if typ == "aws:appconfig/application:Application":
            return "app1234", {"arn": _arn("appconfig", "application/app1234")}
        if typ == "aws:appconfig/environment:Environment":
            return "app1234:env5678", {
                "environmentId": "env5678",
                "arn": _arn("appconfig", "application/app1234/environment/env5678"),
            }
        if typ == "aws:appconfig/configurationProfile:ConfigurationProfile":
            return "app1234:prof910", {
                "configurationProfileId": "prof910",
                "arn": _arn("appconfig", "application/app1234/configurationprofile/prof910"),
            }
        if typ == "aws:appconfig/hostedConfigurationVersion:HostedConfigurationVersion":
            return "app1234/prof910/1", {"versionNumber": 1}
        if typ == "aws:appconfig/deploymentStrategy:DeploymentStrategy":
            return "strat11", {"arn": _arn("appconfig", "deploymentstrategy/strat11")}
        if typ == "aws:secretsmanager/secret:Secret":
            return _arn("secretsmanager", f"secret:{physical}-XyZ123"), {
                "arn": _arn("secretsmanager", f"secret:{physical}-XyZ123")
            }
        if typ == "aws:cloudwatch/dashboard:Dashboard":
            return inputs["dashboardName"], {
                "dashboardArn": f"arn:aws:cloudwatch::{ACCOUNT}:dashboard/{inputs['dashboardName']}"
            }
        if typ in ("aws:cloudwatch/metricAlarm:MetricAlarm", "aws:cloudwatch/compositeAlarm:CompositeAlarm"):
            alarm = inputs.get("name") or inputs.get("alarmName") or name
            return alarm, {"arn": _arn("cloudwatch", f"alarm:{alarm}")}
        if typ == "aws:sns/topic:Topic":
            return _arn("sns", physical), {"arn": _arn("sns", physical)}
        if typ == "aws:iam/role:Role":
            return physical, {"arn": f"arn:aws:iam::{ACCOUNT}:role/{physical}"}
        if typ == "random:index/randomPassword:RandomPassword":
            return name, {"result": RANDOM_PASSWORD[: int(inputs.get("length", 16))]}
        if typ == "aws:cloudwatch/eventRule:EventRule":
            return physical, {"arn": _arn("events", f"rule/{physical}")}
        return f"{name}-id", {"arn": _arn("mock", name)}

    # -- queries over what was declared ---------------------------------------------------------------------

    def of_type(self, typ: str) -> list[Declared]:
        return [d for d in self.declared if d.type == typ]

    def one(self, typ: str) -> Declared:
        found = self.of_type(typ)
        if len(found) != 1:
            raise AssertionError(f"expected one {typ}, found {len(found)}")
        return found[0]
