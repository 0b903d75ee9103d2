"""Optional (``seedBastion: true``): a way into the private database, to seed it from a workstation.

An EC2 Instance Connect Endpoint (no charge) lets an operator with IAM permission open an SSH session to a
small instance in a private subnet, and forward a local port to the database through it:

    aws ec2-instance-connect ssh --instance-id <bastionInstanceId> --connection-type eice \\
        --local-forwarding 5432:<dbEndpoint>:5432

The instance has no public address, no instance role and no inbound rule except SSH from the endpoint; it
reaches only the database. Turn it off again (``seedBastion: false``) once the data is loaded: it costs a
t4g.nano (~$3/month) while it exists.
"""

from __future__ import annotations

from typing import Final, TypedDict

import pulumi
import pulumi_aws as aws

from stacks.components.aws.network import POSTGRES_PORT

SSH_PORT: Final = 22
INSTANCE_TYPE: Final = "t4g.nano"


class SeedBastionArgs(TypedDict):
    prefix: str  # plain: names
    vpc_id: pulumi.Input[str]
    subnet_id: pulumi.Input[str]
    database_security_group_id: pulumi.Input[str]


class SeedBastion(pulumi.ComponentResource):
    instance_id: pulumi.Output[str]
    endpoint_id: pulumi.Output[str]

    def __init__(self, name: str, args: SeedBastionArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("company-mcp:aws:SeedBastion", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        prefix = args["prefix"]

        endpoint_group = aws.ec2.SecurityGroup(
            f"{name}-eice",
            vpc_id=args["vpc_id"],
            description="EC2 Instance Connect Endpoint: SSH to the bastion",
            opts=child,
        )
        bastion_group = aws.ec2.SecurityGroup(
            f"{name}-bastion", vpc_id=args["vpc_id"], description="Seeding bastion: SSH in, PostgreSQL out", opts=child
        )

        def rule(key: str, source: pulumi.Input[str], target: pulumi.Input[str], port: int) -> None:
            aws.vpc.SecurityGroupEgressRule(
                f"{name}-{key}-out",
                security_group_id=source,
                referenced_security_group_id=target,
                ip_protocol="tcp",
                from_port=port,
                to_port=port,
                opts=child,
            )
            aws.vpc.SecurityGroupIngressRule(
                f"{name}-{key}-in",
                security_group_id=target,
                referenced_security_group_id=source,
                ip_protocol="tcp",
                from_port=port,
                to_port=port,
                opts=child,
            )

        rule("ssh", endpoint_group.id, bastion_group.id, SSH_PORT)
        rule("postgres", bastion_group.id, args["database_security_group_id"], POSTGRES_PORT)

        endpoint = aws.ec2transitgateway.InstanceConnectEndpoint(
            f"{name}-eice",
            subnet_id=args["subnet_id"],
            security_group_ids=[endpoint_group.id],
            preserve_client_ip=False,
            tags={"Name": f"{prefix}-seed"},
            opts=child,
        )
        ami = aws.ec2.get_ami(
            most_recent=True,
            owners=["amazon"],
            filters=[
                {"name": "name", "values": ["al2023-ami-2023.*-kernel-*-arm64"]},
                {"name": "architecture", "values": ["arm64"]},
            ],
            opts=pulumi.InvokeOptions(parent=self),
        )
        instance = aws.ec2.Instance(
            f"{name}-instance",
            ami=ami.id,
            instance_type=INSTANCE_TYPE,
            subnet_id=args["subnet_id"],
            vpc_security_group_ids=[bastion_group.id],
            associate_public_ip_address=False,
            metadata_options={"http_tokens": "required", "http_endpoint": "enabled"},
            root_block_device={"encrypted": True, "volume_size": 8},
            tags={"Name": f"{prefix}-seed-bastion"},
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["ami"]),
        )
        self.instance_id = instance.id
        self.endpoint_id = endpoint.id
        self.register_outputs({"instance_id": self.instance_id, "endpoint_id": self.endpoint_id})
