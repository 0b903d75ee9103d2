"""What the tools do for a user: ranking, understood filters, discovery results over time, ownership."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest

from tests.support import in_process_client
from tests.tooling import ok

pytestmark = pytest.mark.anyio


async def test_ai_search_reports_what_it_understood_and_applies_it(data_dir: Path) -> None:
    prompt = "software companies in Germany with more than 50 employees founded after 2000"
    async with in_process_client(data_dir) as client:
        result = ok(await client.call_tool("ai_search", {"prompt": prompt, "limit": 50}))
    assert result["understood"] == {
        "industry": "Software",
        "country": "DE",
        "min_employees": 51,
        "founded_after": 2000,
        "query": None,
        "city": None,
        "max_employees": None,
        "founded_before": None,
        "interpreter": "rules",
    }
    assert result["items"], "the small store has German software companies"
    for item in result["items"]:
        assert (item["industry"], item["country"]) == ("Software", "DE")
        assert item["employee_count"] >= 51 and item["founded_year"] > 2000


async def test_ai_search_still_ranks_a_prompt_it_cannot_parse(data_dir: Path) -> None:
    async with in_process_client(data_dir) as client:
        result = ok(await client.call_tool("ai_search", {"prompt": "zzqx cloud blorp platform"}))
    assert result["items"] and result["understood"]["query"]


async def test_ai_search_reads_the_words_people_use(data_dir: Path) -> None:
    """The issue's first tries: no filler word searched, sizes applied, every value of a list covered."""
    async with in_process_client(data_dir) as client:
        hospitals = ok(await client.call_tool("ai_search", {"prompt": "companies that make software for hospitals"}))
        large = ok(await client.call_tool("ai_search", {"prompt": "large logistics firms"}))
        both = ok(await client.call_tool("ai_search", {"prompt": "b2b saas for HR in France or Spain", "limit": 40}))
    assert "query" not in hospitals["understood"] or hospitals["understood"]["query"] is None
    assert hospitals["items"] and {i["industry"] for i in hospitals["items"]} == {"Healthcare"}
    assert large["items"] and all(i["employee_count"] > 1000 and i["industry"] == "Logistics" for i in large["items"])
    assert both["understood"]["countries"] == ["FR", "ES"] and both["understood"]["country"] is None
    assert {i["country"] for i in both["items"]} == {"FR", "ES"}
    assert {i["industry"] for i in both["items"]} == {"Human Resources"}


async def test_ai_search_leaves_out_excluded_countries(data_dir: Path) -> None:
    async with in_process_client(data_dir) as client:
        result = ok(await client.call_tool("ai_search", {"prompt": "fintech outside the US", "limit": 30}))
    assert result["understood"]["exclude_countries"] == ["US"]
    assert len(result["items"]) == 30 and all(i["country"] != "US" for i in result["items"])


async def test_email_discovery_completes_after_a_short_delay(data_dir: Path) -> None:
    async with in_process_client(data_dir, allow_mutations=True, discovery_delay_s=0.5) as client:
        company = ok(await client.call_tool("get_company", {"company_id": "cmp_00000005"}))
        request = ok(await client.call_tool("request_email_discovery", {"company_id": company["id"], "roles": ["cfo"]}))
        assert request["status"] == "pending"
        pending = ok(await client.call_tool("get_email_discovery", {"request_id": request["request_id"]}))
        assert (pending["status"], pending["results"], pending["completed_at"]) == ("pending", [], None)
        await anyio.sleep(0.6)
        done = ok(await client.call_tool("get_email_discovery", {"request_id": request["request_id"]}))
    assert done["status"] == "completed" and done["completed_at"]
    assert done["results"] and all(r["synthetic"] is True for r in done["results"])
    assert all(r["email"].endswith("@" + company["domain"]) and r["role"] == "cfo" for r in done["results"])


async def test_get_company_by_domain_matches_by_id(data_dir: Path) -> None:
    async with in_process_client(data_dir) as client:
        by_id = ok(await client.call_tool("get_company", {"company_id": "cmp_00000042"}))
        by_domain = ok(await client.call_tool("get_company", {"domain": by_id["domain"].upper()}))
    assert by_id == by_domain
