"""IAM helpers shared by the components: policy documents built from Outputs, and the one ``*`` exception.

Every statement names its actions one by one (no ``*`` and no ``service:*``) and its resources by ARN.
The only ``Resource: "*"`` is ``VPC_ACCESS_ACTIONS``: a function in a VPC manages its network interfaces
with these EC2 actions, which do not support resource-level permissions for this use (the ``Describe*``
ones never do, and Lambda checks the role with ``*`` when it attaches the function to the VPC). They are
the actions of AWS's ``AWSLambdaVPCAccessExecutionRole``, without its ``logs:*`` part, which is granted on
the function's own log group instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

import pulumi

VPC_ACCESS_ACTIONS: Final = (
    "ec2:CreateNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSubnets",
    "ec2:DeleteNetworkInterface",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
)
# Writing a function's own log stream (the group is created by the stack, with retention).
LOG_WRITE_ACTIONS: Final = ("logs:CreateLogStream", "logs:PutLogEvents")

Statement = Mapping[str, Any]


def statement(sid: str, actions: Sequence[str], resources: pulumi.Input[Sequence[pulumi.Input[str]]]) -> dict[str, Any]:
    """An Allow statement; ``resources`` are ARNs (a list of Outputs, or an Output of a list)."""
    listed = resources if isinstance(resources, pulumi.Output) else list(resources)
    return {"Sid": sid, "Effect": "Allow", "Action": list(actions), "Resource": listed}


def policy_document(statements: Sequence[Statement]) -> pulumi.Output[str]:
    """A policy document as JSON, resolved once every ARN in it is known."""
    return pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": list(statements)})


def assume_role_policy(service: str, *, source_account: pulumi.Input[str] | None = None) -> pulumi.Output[str]:
    """Trust policy letting one AWS service (``lambda.amazonaws.com``, ...) assume the role.

    ``source_account`` adds the confused-deputy guard for services acting on behalf of a resource
    (AppSync): the service may assume the role only for resources of this account.
    """
    trust: dict[str, Any] = {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
    if source_account is not None:
        trust["Condition"] = {"StringEquals": {"aws:SourceAccount": source_account}}
    return pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": [trust]})


def log_group_write(sid: str, log_group_arn: pulumi.Input[str]) -> dict[str, Any]:
    """Create streams in, and write to, one log group (``<group arn>:*`` covers its streams)."""
    return statement(sid, LOG_WRITE_ACTIONS, [pulumi.Output.concat(log_group_arn, ":*")])


def vpc_access(sid: str = "VpcNetworkInterfaces") -> dict[str, Any]:
    """The documented exception: ENI management for a function in a VPC needs ``Resource: "*"``."""
    return {"Sid": sid, "Effect": "Allow", "Action": list(VPC_ACCESS_ACTIONS), "Resource": "*"}
