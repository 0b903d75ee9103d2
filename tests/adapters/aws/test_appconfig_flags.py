"""AppConfigFlags against a local stand-in of the AppConfig agent's documented HTTP endpoint.

The mutation gate follows a flag flip within the poll interval; an agent that is down, answers
an error, or serves something other than feature flags makes the gate deny writes
(``flags_unavailable``).
"""

from __future__ import annotations

import dataclasses
import socket
from collections.abc import Iterator
from pathlib import Path

import anyio
import pytest
from mcp import Client

from adapters.aws.config import AwsSettings
from adapters.aws.flags import AppConfigFlags, parse_feature_flags
from adapters.bootstrap import build_runtime
from core.app import create_server
from core.config import Settings
from core.guards.mutation import MutationGate
from core.ports import FlagSource, FlagsUnavailable
from tests.adapters.aws.aws_support import AppConfigAgentStandIn
from tests.tooling import error, ok

pytestmark = pytest.mark.anyio

POLL_S = 0.2


@pytest.fixture
def agent() -> Iterator[AppConfigAgentStandIn]:
    stand_in = AppConfigAgentStandIn("company-mcp", "prod", "flags")
    with stand_in.server:
        yield stand_in


def aws_settings(agent: AppConfigAgentStandIn, **overrides: object) -> AwsSettings:
    values: dict[str, object] = {
        "appconfig_url": agent.server.url,
        "appconfig_application": "company-mcp",
        "appconfig_environment": "prod",
        "appconfig_profile": "flags",
        "flags_poll_interval_s": POLL_S,
        "flags_timeout_s": 0.5,
        **overrides,
    }
    return AwsSettings.model_validate(values)


async def wait_for(gate: MutationGate, tool: str, expected: tuple[bool, str], within_s: float) -> float:
    """Seconds until ``gate.decide(tool)`` answers ``expected``; fails after ``within_s``."""
    start = anyio.current_time()
    with anyio.fail_after(within_s):
        while True:
            if await gate.decide(tool) == expected:
                break
            await anyio.sleep(0.02)
    return anyio.current_time() - start


async def test_the_gate_follows_a_flag_flip_within_the_poll_interval(agent: AppConfigAgentStandIn) -> None:
    flags = AppConfigFlags(aws_settings(agent))
    _: FlagSource = flags
    gate = MutationGate(flags, allow_mutations=False)
    try:
        assert await gate.decide("create_collection") == (False, "setting:allow_mutations")  # no flags at all

        agent.flags = {"mutations": False, "mutations_create_collection": True}
        await wait_for(gate, "create_collection", (True, "flag:mutations_create_collection"), within_s=POLL_S + 1)
        assert await gate.decide("add_to_collection") == (False, "flag:mutations")

        agent.flags = {"mutations": True}  # the per-tool flag is gone: the global one decides
        requests = agent.requests
        assert await gate.decide("create_collection") == (True, "flag:mutations_create_collection")  # still cached
        assert agent.requests == requests
        waited = await wait_for(gate, "add_to_collection", (True, "flag:mutations"), within_s=POLL_S + 1)
        assert waited <= POLL_S + 0.5

        agent.flags = {"mutations": False}
        await wait_for(gate, "request_email_discovery", (False, "flag:mutations"), within_s=POLL_S + 1)
    finally:
        await flags.aclose()


@pytest.mark.parametrize("mode", ["500", "garbage", "freeform"])
async def test_an_agent_error_or_malformed_flags_block_writes(agent: AppConfigAgentStandIn, mode: str) -> None:
    agent.flags = {"mutations": True}
    flags = AppConfigFlags(aws_settings(agent))
    gate = MutationGate(flags, allow_mutations=True)
    try:
        assert await gate.decide("create_collection") == (True, "flag:mutations")
        agent.mode = mode
        await wait_for(gate, "create_collection", (False, "flags_unavailable"), within_s=POLL_S + 1)
        with pytest.raises(FlagsUnavailable):
            await flags.get_flags()
        agent.mode = "up"  # recovers on the next read, without a restart
        assert await gate.decide("create_collection") == (True, "flag:mutations")
    finally:
        await flags.aclose()


async def test_an_agent_that_is_down_blocks_writes(agent: AppConfigAgentStandIn) -> None:
    agent.flags = {"mutations": True}
    flags = AppConfigFlags(aws_settings(agent))
    gate = MutationGate(flags, allow_mutations=True)
    try:
        assert await gate.decide("create_collection") == (True, "flag:mutations")
        agent.server.stop()  # connections are now refused
        await wait_for(gate, "create_collection", (False, "flags_unavailable"), within_s=POLL_S + 2)
    finally:
        await flags.aclose()


async def test_an_unknown_profile_blocks_writes(agent: AppConfigAgentStandIn) -> None:
    flags = AppConfigFlags(aws_settings(agent, appconfig_profile="no-such-profile"))
    try:
        assert await MutationGate(flags, allow_mutations=True).decide("create_collection") == (
            False,
            "flags_unavailable",
        )
    finally:
        await flags.aclose()


async def test_a_hanging_agent_times_out_into_flags_unavailable() -> None:
    with socket.socket() as listener:  # accepts connections, never answers
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        flags = AppConfigFlags(AwsSettings(appconfig_url=url, flags_timeout_s=0.2))
        try:
            with anyio.fail_after(3):
                assert await MutationGate(flags, allow_mutations=True).decide("x") == (False, "flags_unavailable")
        finally:
            await flags.aclose()


def test_feature_flag_parsing() -> None:
    body = b'{"mutations": {"enabled": false}, "mutations_create_collection": {"enabled": true, "note": "x"}}'
    assert parse_feature_flags(body) == {"mutations": False, "mutations_create_collection": True}
    assert parse_feature_flags(b"{}") == {}
    for bad in (b"[]", b"not json", b'{"mutations": true}', b'{"mutations": {"enabled": "yes"}}', b'{"m": {}}'):
        with pytest.raises(FlagsUnavailable):
            parse_feature_flags(bad)


async def test_through_the_server_a_write_is_refused_with_flags_unavailable(
    agent: AppConfigAgentStandIn, data_dir: Path
) -> None:
    """The whole path: the MCP server (fake store) with AppConfigFlags as its FlagSource."""
    agent.flags = {"mutations_create_collection": True}
    settings = Settings(data_dir=data_dir, transport="stdio", discovery_delay_s=0.5)
    runtime = build_runtime(settings)
    flags = AppConfigFlags(aws_settings(agent))
    runtime = dataclasses.replace(runtime, ports=dataclasses.replace(runtime.ports, flags=flags))
    server = create_server(settings, runtime)
    try:
        async with Client(server) as client:
            ok(await client.call_tool("create_collection", {"name": "Flagged"}))
            agent.mode = "garbage"
            with anyio.fail_after(POLL_S + 1):
                while True:
                    result = await client.call_tool("create_collection", {"name": "Flagged again"})
                    if result.is_error:
                        break
                    await anyio.sleep(0.02)
            body = error(result)
            assert (body["type"], body["reason"]) == ("mutations_disabled", "flags_unavailable")
    finally:
        await flags.aclose()
        if runtime.close is not None:
            await runtime.close()
