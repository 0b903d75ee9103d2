"""The AWS AppConfig Agent Lambda extension layer (x86_64) that AWS publishes in each region of the ``aws`` partition.

The stack attaches the layer of its region unless ``company-mcp:appconfigExtensionLayerArn`` names
another (a newer version, or a region missing here). Source: the per-region table of AWS CDK
(``aws-cdk-lib/aws-appconfig/lib/application.ts``, which mirrors AWS's list at
https://docs.aws.amazon.com/appconfig/latest/userguide/appconfig-integration-lambda-extensions-versions.html).
Any published version works with the project (it reads flags through the agent's documented local HTTP
endpoint); AWS recommends moving to the latest from time to time: set the key, or update this table.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

VERSIONS_PAGE: Final = (
    "https://docs.aws.amazon.com/appconfig/latest/userguide/appconfig-integration-lambda-extensions-versions.html"
)

_LAYERS: Final = {
    "af-south-1": "574348263942:AWS-AppConfig-Extension:225",
    "ap-east-1": "630222743974:AWS-AppConfig-Extension:217",
    "ap-east-2": "730335625313:AWS-AppConfig-Extension:100",
    "ap-northeast-1": "980059726660:AWS-AppConfig-Extension:228",
    "ap-northeast-2": "826293736237:AWS-AppConfig-Extension:239",
    "ap-northeast-3": "706869817123:AWS-AppConfig-Extension:234",
    "ap-south-1": "554480029851:AWS-AppConfig-Extension:248",
    "ap-south-2": "489524808438:AWS-AppConfig-Extension:179",
    "ap-southeast-1": "421114256042:AWS-AppConfig-Extension:224",
    "ap-southeast-2": "080788657173:AWS-AppConfig-Extension:272",
    "ap-southeast-3": "418787028745:AWS-AppConfig-Extension:222",
    "ap-southeast-4": "307021474294:AWS-AppConfig-Extension:152",
    "ap-southeast-5": "631746059939:AWS-AppConfig-Extension:127",
    "ap-southeast-6": "381491832265:AWS-AppConfig-Extension:41",
    "ap-southeast-7": "851725616657:AWS-AppConfig-Extension:98",
    "ca-central-1": "039592058896:AWS-AppConfig-Extension:228",
    "ca-west-1": "436199621743:AWS-AppConfig-Extension:130",
    "eu-central-1": "066940009817:AWS-AppConfig-Extension:261",
    "eu-central-2": "758369105281:AWS-AppConfig-Extension:178",
    "eu-north-1": "646970417810:AWS-AppConfig-Extension:333",
    "eu-south-1": "203683718741:AWS-AppConfig-Extension:215",
    "eu-south-2": "586093569114:AWS-AppConfig-Extension:176",
    "eu-west-1": "434848589818:AWS-AppConfig-Extension:261",
    "eu-west-2": "282860088358:AWS-AppConfig-Extension:207",
    "eu-west-3": "493207061005:AWS-AppConfig-Extension:235",
    "il-central-1": "895787185223:AWS-AppConfig-Extension:155",
    "me-central-1": "662846165436:AWS-AppConfig-Extension:195",
    "me-south-1": "559955524753:AWS-AppConfig-Extension:227",
    "mx-central-1": "891376990304:AWS-AppConfig-Extension:98",
    "sa-east-1": "000010852771:AWS-AppConfig-Extension:288",
    "us-east-1": "027255383542:AWS-AppConfig-Extension:279",
    "us-east-2": "728743619870:AWS-AppConfig-Extension:235",
    "us-west-1": "958113053741:AWS-AppConfig-Extension:348",
    "us-west-2": "359756378197:AWS-AppConfig-Extension:335",
}

# region -> layer version ARN
APPCONFIG_AGENT_LAYERS: Final = MappingProxyType(
    {
        region: "arn:aws:lambda:{region}:{account}:layer:{name}".format(
            region=region, account=value.split(":", 1)[0], name=value.split(":", 1)[1]
        )
        for region, value in _LAYERS.items()
    }
)


def published_layer(region: str) -> str | None:
    """The published x86_64 layer of ``region``, or None where this table knows none."""
    return APPCONFIG_AGENT_LAYERS.get(region)
