"""Email discovery: request_email_discovery (write) and get_email_discovery (read)."""

from __future__ import annotations

from core import operations
from core.model import EmailDiscovery
from core.tools.companies import quota_info
from core.tools.contracts import (
    GetEmailDiscoveryInput,
    RequestEmailDiscoveryInput,
    RequestEmailDiscoveryResult,
)
from core.tools.spec import ToolContext, ToolSpec, tool_kind


async def request_email_discovery(args: RequestEmailDiscoveryInput, ctx: ToolContext) -> RequestEmailDiscoveryResult:
    request, created = await operations.request_email_discovery(
        ctx.backend, ctx.principal.id, args.company_id, args.roles
    )
    return RequestEmailDiscoveryResult(
        request_id=request.request_id, status=request.status, created=created, quota=quota_info(ctx.quota)
    )


async def get_email_discovery(args: GetEmailDiscoveryInput, ctx: ToolContext) -> EmailDiscovery:
    return await ctx.backend.get_email_discovery(ctx.principal.id, args.request_id)


REQUEST_EMAIL_DISCOVERY = ToolSpec(
    kind=tool_kind("request_email_discovery"),
    title="Request email discovery",
    description=(
        "Start finding contact emails at a company for the given roles. Results arrive after a short delay: poll "
        "get_email_discovery with the returned request_id. Safe to retry: the same company and roles within 24 hours "
        "return the existing request (created=false). Rate limited per caller. Writes may be disabled on this server."
    ),
    input_model=RequestEmailDiscoveryInput,
    output_model=RequestEmailDiscoveryResult,
    handler=request_email_discovery,
)

GET_EMAIL_DISCOVERY = ToolSpec(
    kind=tool_kind("get_email_discovery"),
    title="Get email discovery results",
    description=(
        "Get the status (pending, completed, failed) and results of an email discovery request made by the caller. "
        "Results are synthetic sample contacts on the company's own domain."
    ),
    input_model=GetEmailDiscoveryInput,
    output_model=EmailDiscovery,
    handler=get_email_discovery,
)
