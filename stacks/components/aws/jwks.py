"""The issuer's public keys, mirrored into S3 so the MCP server can verify tokens without internet egress.

The MCP function runs in a VPC with no NAT gateway (``network.py``). Cognito's JWKS endpoint
(``https://cognito-idp.<region>.amazonaws.com/<pool>/.well-known/jwks.json``) is public and has no VPC
endpoint for a user pool with a domain (AWS PrivateLink does not serve such pools), and a corporate issuer is
on the internet too. So a small function outside the VPC (``jwks_mirror_handler.py``) copies the key set
into one S3 object every five minutes and once at deployment, and the server reads that object through the
S3 gateway endpoint (``COMPANY_MCP_OIDC_JWKS_URL``). The bucket is private: Block Public Access is on, and
its policy lets only requests arriving through this VPC's gateway endpoint read the object (over TLS).

Whoever can replace this object can mint tokens for any subject, so the bucket policy also denies every object
write and delete to every principal but the mirror function's role, whatever their IAM policies grant (an
explicit Deny wins over any Allow; ``aws:PrincipalArn`` is the role's ARN for all of its sessions). Versioning
is on, so a replaced or deleted key set stays recoverable and visible (noncurrent versions expire after
``NONCURRENT_VERSION_DAYS``). Bucket-level settings (the policy itself, versioning) are not denied here: that would
lock the deployer out of the next ``pulumi up``; grant ``s3:PutBucketPolicy`` and ``s3:PutBucketVersioning`` to
deployers only.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Final, TypedDict

import pulumi
import pulumi_aws as aws

from stacks.components.aws.iam import assume_role_policy, log_group_write, policy_document, statement

HANDLER_FILE: Final = Path(__file__).with_name("jwks_mirror_handler.py")
OBJECT_KEY: Final = "jwks.json"
SCHEDULE: Final = "rate(5 minutes)"
NONCURRENT_VERSION_DAYS: Final = 30
# Every way to replace, delete or re-permission an object (and so the key set the server trusts).
OBJECT_WRITE_ACTIONS: Final = (
    "s3:PutObject",
    "s3:PutObjectAcl",
    "s3:PutObjectVersionAcl",
    "s3:DeleteObject",
    "s3:DeleteObjectVersion",
)


class JwksMirrorArgs(TypedDict):
    prefix: str  # plain: names
    region: str  # plain: the object's URL
    bucket_name: pulumi.Input[str]
    issuer: pulumi.Input[str]
    jwks_url: pulumi.Input[str] | None  # the issuer's JWKS URL when discovery should not be used
    s3_endpoint_id: pulumi.Input[str]
    log_group_name: pulumi.Input[str]
    log_group_arn: pulumi.Input[str]
    runtime: pulumi.Input[str]


def jwks_object_arn(bucket_name: pulumi.Input[str]) -> pulumi.Output[str]:
    return pulumi.Output.concat("arn:aws:s3:::", bucket_name, "/", OBJECT_KEY)


class JwksMirror(pulumi.ComponentResource):
    bucket_name: pulumi.Output[str]
    object_arn: pulumi.Output[str]
    url: pulumi.Output[str]
    function_name: pulumi.Output[str]

    def __init__(self, name: str, args: JwksMirrorArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("company-mcp:aws:JwksMirror", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        prefix = args["prefix"]

        bucket = aws.s3.Bucket(f"{name}-bucket", bucket=args["bucket_name"], force_destroy=True, opts=child)
        block = aws.s3.BucketPublicAccessBlock(
            f"{name}-private",
            bucket=bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=child,
        )
        versioning = aws.s3.BucketVersioning(
            f"{name}-versioning",
            bucket=bucket.id,
            versioning_configuration={"status": "Enabled"},
            opts=child,
        )
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-old-versions",
            bucket=bucket.id,
            rules=[
                {
                    "id": "expire-noncurrent-key-sets",
                    "status": "Enabled",
                    "filter": {},
                    "noncurrent_version_expiration": {"noncurrent_days": NONCURRENT_VERSION_DAYS},
                }
            ],
            opts=pulumi.ResourceOptions(parent=self, depends_on=[versioning]),
        )
        key_arn = pulumi.Output.concat(bucket.arn, "/", OBJECT_KEY)
        # The role exists before the bucket policy names it; its permissions say what it may do.
        role = aws.iam.Role(
            f"{name}-role",
            name=f"{prefix}-jwks-mirror",
            assume_role_policy=assume_role_policy("lambda.amazonaws.com"),
            description="JWKS mirror: write one S3 object and its own logs",
            inline_policies=[
                {
                    "name": "jwks-mirror",
                    "policy": policy_document(
                        [
                            log_group_write("OwnLogGroup", args["log_group_arn"]),
                            statement("WriteTheMirroredKeySet", ["s3:PutObject"], [key_arn]),
                        ]
                    ),
                }
            ],
            opts=child,
        )
        aws.s3.BucketPolicy(
            f"{name}-policy",
            bucket=bucket.id,
            policy=pulumi.Output.json_dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            # Not public: a fixed aws:SourceVpce makes the grant non-public for Block Public Access.
                            "Sid": "ReadThroughTheVpcGatewayEndpointOnly",
                            "Effect": "Allow",
                            "Principal": "*",
                            "Action": ["s3:GetObject"],
                            "Resource": [key_arn],
                            "Condition": {"StringEquals": {"aws:SourceVpce": args["s3_endpoint_id"]}},
                        },
                        {
                            "Sid": "TlsOnly",
                            "Effect": "Deny",
                            "Principal": "*",
                            "Action": ["s3:GetObject", "s3:PutObject"],
                            "Resource": [key_arn],
                            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                        },
                        {
                            "Sid": "OnlyTheMirrorWritesOrDeletes",
                            "Effect": "Deny",
                            "Principal": "*",
                            "Action": list(OBJECT_WRITE_ACTIONS),
                            "Resource": [pulumi.Output.concat(bucket.arn, "/*")],
                            "Condition": {"ArnNotEquals": {"aws:PrincipalArn": role.arn}},
                        },
                    ],
                }
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[block]),
        )

        environment: dict[str, pulumi.Input[str]] = {
            "ISSUER": args["issuer"],
            "BUCKET": bucket.id,
            "OBJECT": OBJECT_KEY,
        }
        if args["jwks_url"] is not None:
            environment["JWKS_URL"] = args["jwks_url"]
        function = aws.lambda_.Function(
            f"{name}-function",
            name=f"{prefix}-jwks-mirror",
            description="Copies the token issuer's public keys (JWKS) to S3 for the VPC-bound MCP server",
            runtime=args["runtime"],
            architectures=["arm64"],
            handler="jwks_mirror_handler.handler",
            code=pulumi.AssetArchive({HANDLER_FILE.name: pulumi.FileAsset(str(HANDLER_FILE))}),
            role=role.arn,
            memory_size=128,
            timeout=60,
            environment={"variables": environment},
            logging_config={"log_format": "Text", "log_group": args["log_group_name"]},
            opts=child,
        )
        rule = aws.cloudwatch.EventRule(
            f"{name}-schedule",
            name=f"{prefix}-jwks-mirror",
            description="Refresh the mirrored JWKS",
            schedule_expression=SCHEDULE,
            opts=child,
        )
        aws.lambda_.Permission(
            f"{name}-schedule-invoke",
            function=function.name,
            action="lambda:InvokeFunction",
            principal="events.amazonaws.com",
            source_arn=rule.arn,
            opts=child,
        )
        aws.cloudwatch.EventTarget(f"{name}-schedule-target", rule=rule.name, arn=function.arn, opts=child)
        # Fill the mirror during the deployment, so the server never starts without keys.
        aws.lambda_.Invocation(
            f"{name}-initial-copy",
            function_name=function.name,
            input=json.dumps({"source": "pulumi"}),
            triggers={"issuer": args["issuer"], "jwks_url": args["jwks_url"] or "", "bucket": bucket.id},
            opts=pulumi.ResourceOptions(parent=self, depends_on=[versioning]),
        )

        self.bucket_name = bucket.id
        self.object_arn = key_arn
        # Virtual-hosted style, regional: resolved and routed through the S3 gateway endpoint inside the VPC.
        self.url = pulumi.Output.concat("https://", bucket.id, ".s3.", args["region"], ".amazonaws.com/", OBJECT_KEY)
        self.function_name = function.name
        self.register_outputs({"url": self.url, "bucket_name": self.bucket_name, "function_name": self.function_name})
