"""Feature flags in AWS AppConfig: the runtime switch for writes (design.md section 3).

An application, an environment and one feature-flag configuration profile (``AWS.AppConfig.FeatureFlags``)
whose first hosted version defines ``mutations`` and ``mutations_<tool>`` for each write tool, all
DISABLED, deployed at once with an all-at-once strategy without bake time (a flag flip should take effect in
about a minute: the extension's poll interval plus the server's cache).

The MCP server reads the flags through the AppConfig agent Lambda extension. The most specific flag wins:
a defined ``mutations_<tool>`` decides for that tool whatever ``mutations`` says, so turning writes on means
enabling the per-tool flags wanted (and ``mutations``); see README.md (Deploy to AWS). Later versions are created
with the AWS CLI or console, not by the stack: ``pulumi up`` never turns writes back on or off by itself.
"""

from __future__ import annotations

import json
from typing import Any, Final, TypedDict

import pulumi
import pulumi_aws as aws

from core.catalog import GLOBAL_WRITE_FLAG, WRITE_FLAG_KEYS

GLOBAL_FLAG: Final = GLOBAL_WRITE_FLAG
PROFILE_NAME: Final = "flags"
FEATURE_FLAGS_TYPE: Final = "AWS.AppConfig.FeatureFlags"


def write_flag_keys() -> tuple[str, ...]:
    """``mutations`` and ``mutations_<tool>`` for every write tool, in catalog order."""
    return WRITE_FLAG_KEYS


def initial_flags_document() -> dict[str, Any]:
    """The AppConfig feature-flags document of the first version: every write flag defined and disabled."""
    keys = write_flag_keys()
    flags = {
        key: {
            "name": key,
            "description": "All write tools" if key == GLOBAL_FLAG else f"The {key.removeprefix('mutations_')} tool",
        }
        for key in keys
    }
    return {"version": "1", "flags": flags, "values": {key: {"enabled": False} for key in keys}}


class FlagsArgs(TypedDict):
    prefix: str  # plain: names
    environment: str  # plain: the AppConfig environment's name
    region: pulumi.Input[str]
    account_id: pulumi.Input[str]


class Flags(pulumi.ComponentResource):
    application_id: pulumi.Output[str]
    application_name: pulumi.Output[str]
    environment_id: pulumi.Output[str]
    environment_name: pulumi.Output[str]
    profile_id: pulumi.Output[str]
    profile_name: pulumi.Output[str]
    deployment_strategy_id: pulumi.Output[str]
    # What appconfig:StartConfigurationSession is granted on: this application/environment/profile only.
    configuration_arn: pulumi.Output[str]
    # The agent extension's prefetch path.
    agent_path: pulumi.Output[str]

    def __init__(self, name: str, args: FlagsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("company-mcp:aws:Flags", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        application = aws.appconfig.Application(
            f"{name}-app", name=args["prefix"], description="company-mcp runtime switches", opts=child
        )
        environment = aws.appconfig.Environment(
            f"{name}-env", application_id=application.id, name=args["environment"], opts=child
        )
        profile = aws.appconfig.ConfigurationProfile(
            f"{name}-profile",
            application_id=application.id,
            name=PROFILE_NAME,
            location_uri="hosted",
            type=FEATURE_FLAGS_TYPE,
            description="Write gates: mutations and mutations_<tool> (most specific wins)",
            opts=child,
        )
        version = aws.appconfig.HostedConfigurationVersion(
            f"{name}-initial",
            application_id=application.id,
            configuration_profile_id=profile.configuration_profile_id,
            content_type="application/json",
            content=json.dumps(initial_flags_document(), sort_keys=True),
            description="Initial flags: every write disabled",
            opts=child,
        )
        strategy = aws.appconfig.DeploymentStrategy(
            f"{name}-all-at-once",
            name=f"{args['prefix']}-all-at-once",
            description="All targets at once, no bake time (flags are switches, not gradual rollouts)",
            deployment_duration_in_minutes=0,
            final_bake_time_in_minutes=0,
            growth_factor=100,
            growth_type="LINEAR",
            replicate_to="NONE",
            opts=child,
        )
        aws.appconfig.Deployment(
            f"{name}-initial-deployment",
            application_id=application.id,
            environment_id=environment.environment_id,
            configuration_profile_id=profile.configuration_profile_id,
            configuration_version=version.version_number.apply(str),
            deployment_strategy_id=strategy.id,
            description="Initial flags: every write disabled",
            opts=child,
        )

        self.application_id = application.id
        self.application_name = application.name
        self.environment_id = environment.environment_id
        self.environment_name = environment.name
        self.profile_id = profile.configuration_profile_id
        self.profile_name = profile.name
        self.deployment_strategy_id = strategy.id
        self.configuration_arn = pulumi.Output.concat(
            "arn:aws:appconfig:",
            args["region"],
            ":",
            args["account_id"],
            ":application/",
            application.id,
            "/environment/",
            environment.environment_id,
            "/configuration/",
            profile.configuration_profile_id,
        )
        self.agent_path = pulumi.Output.concat(
            "/applications/", application.name, "/environments/", environment.name, "/configurations/", profile.name
        )
        self.register_outputs(
            {
                "application_id": self.application_id,
                "environment_id": self.environment_id,
                "profile_id": self.profile_id,
                "deployment_strategy_id": self.deployment_strategy_id,
            }
        )
