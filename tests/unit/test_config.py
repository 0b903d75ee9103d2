from __future__ import annotations

import pytest

from core.catalog import CATALOG
from core.config import Settings, parse_rate_limits
from core.errors import ConfigError


def test_rate_limit_spec() -> None:
    rules = parse_rate_limits("ai_search=5/minute, request_email_discovery=10/hour")
    assert (rules["ai_search"].amount, rules["ai_search"].window_s) == (5, 60)
    assert rules["request_email_discovery"].window_s == 3600
    for bad in ("ai_search=5", "ai_search=five/minute", "ai_search=0/minute", "=1/day"):
        with pytest.raises(ConfigError):
            parse_rate_limits(bad)


def test_default_rate_limits_come_from_each_tools_rate_class() -> None:
    rules = Settings(_env_file=None).rate_limit_rules()  # type: ignore[call-arg]
    assert {name: rule.text for name, rule in rules.items()} == {
        kind.name: kind.default_rate_limit for kind in CATALOG if kind.default_rate_limit
    }
    assert rules["ai_search"].text == "5/minute" and rules["request_email_discovery"].text == "10/hour"


def test_a_rule_naming_no_tool_is_refused_with_the_known_names() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_rate_limits("search_company=5/minute")
    assert "'search_company'" in caught.value.message and "search_companies" in caught.value.message


def test_safe_defaults() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.allow_mutations is False
    assert settings.host == "127.0.0.1"
    assert settings.effective_auth == "dev"  # HTTP always verifies tokens unless told otherwise
    assert Settings(transport="stdio").effective_auth == "none"  # stdio runs as the local user


def test_allow_mutations_also_reads_the_seed_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COMPANY_MCP_ALLOW_MUTATIONS", raising=False)
    monkeypatch.setenv("ALLOW_MUTATIONS", "true")
    assert Settings().allow_mutations is True


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"host": "0.0.0.0", "auth": "none"}, "only allowed on loopback"),
        ({"auth": "oidc"}, "COMPANY_MCP_OIDC_ISSUER"),
        ({"host": "10.1.2.3", "auth": "none"}, "only allowed on loopback"),
        ({"workers": 2}, "COMPANY_MCP_REDIS_URL"),
    ],
)
def test_unsafe_configurations_refuse_to_start(settings: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Settings(**settings).check()  # type: ignore[arg-type]


def test_loopback_and_stdio_without_auth_are_fine() -> None:
    Settings(host="::1").check()
    Settings(host="0.0.0.0", transport="stdio").check()
