"""Feature flags through the real App Configuration SDK, HMAC-signed, to a local stand-in of the REST API."""

from __future__ import annotations

import pytest

from adapters.azure.flags import AppConfigurationFlags, appconfig_client, parse_feature_flag
from core.ports import FlagSource, FlagsUnavailable
from tests.adapters.azure.standins import AppConfigStandIn
from tests.auth.issuer import FakeClock

pytestmark = pytest.mark.anyio


def flags_for(server: AppConfigStandIn, clock: FakeClock, *, label: str | None = None, secret: str | None = None):
    connection = server.connection_string if secret is None else server.connection_string.replace(server.SECRET, secret)
    client = appconfig_client(endpoint=None, connection_string=connection, credential=None, timeout_s=2)
    return AppConfigurationFlags(client, label=label, refresh_s=15, clock=clock)


async def test_a_flip_is_seen_after_the_refresh_interval_without_a_restart(appconfig: AppConfigStandIn) -> None:
    appconfig.set_flag("mutations", False)
    appconfig.set_flag("mutations_create_collection", True)
    clock = FakeClock()
    flags = flags_for(appconfig, clock)
    _: FlagSource = flags
    assert dict(await flags.get_flags()) == {"mutations": False, "mutations_create_collection": True}
    appconfig.set_flag("mutations", True)
    clock.advance(5)
    assert (await flags.get_flags())["mutations"] is False  # within the interval: one read per interval
    clock.advance(10)
    assert (await flags.get_flags())["mutations"] is True
    assert appconfig.requests == 2 and appconfig.refused == 0
    await flags.aclose()


async def test_labels_select_their_own_flags(appconfig: AppConfigStandIn) -> None:
    appconfig.set_flag("mutations", False)
    appconfig.set_flag("mutations", True, label="prod")
    prod, unlabelled = flags_for(appconfig, FakeClock(), label="prod"), flags_for(appconfig, FakeClock())
    assert dict(await prod.get_flags()) == {"mutations": True}
    assert dict(await unlabelled.get_flags()) == {"mutations": False}


async def test_an_outage_after_a_good_read_never_serves_the_old_on_value(appconfig: AppConfigStandIn) -> None:
    appconfig.set_flag("mutations", True)
    clock = FakeClock()
    flags = flags_for(appconfig, clock)
    assert (await flags.get_flags())["mutations"] is True
    appconfig.fail = 503
    clock.advance(15)
    with pytest.raises(FlagsUnavailable, match="HTTP 503"):
        await flags.get_flags()
    appconfig.stop()
    with pytest.raises(FlagsUnavailable):
        await flags.get_flags()
    appconfig.start()
    appconfig.fail = None
    assert (await flags.get_flags())["mutations"] is True


async def test_a_wrong_key_is_refused_by_the_service_and_denies_writes(appconfig: AppConfigStandIn) -> None:
    appconfig.set_flag("mutations", True)
    flags = flags_for(appconfig, FakeClock(), secret="d3Jvbmcgc2VjcmV0")
    with pytest.raises(FlagsUnavailable, match="HTTP 401"):
        await flags.get_flags()
    assert appconfig.refused >= 1


def test_flags_with_client_filters_or_no_boolean_are_not_on() -> None:
    targeted = '{"id": "mutations", "enabled": true, "conditions": {"client_filters": [{"name": "Targeting"}]}}'
    assert parse_feature_flag(".appconfig.featureflag/mutations", targeted) == ("mutations", False)
    with pytest.raises(FlagsUnavailable):
        parse_feature_flag(".appconfig.featureflag/mutations", '{"id": "mutations", "enabled": "yes"}')
    with pytest.raises(FlagsUnavailable):
        parse_feature_flag(".appconfig.featureflag/mutations", "not json")
