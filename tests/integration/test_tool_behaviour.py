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
    }
    assert result["items"], "the small store has German software companies"
    for item in result["items"]:
        assert (item["industry"], item["country"]) == ("Software", "DE")
        assert item["employee_count"] >= 51 and item["founded_year"] > 2000


async def test_ai_search_still_ranks_a_prompt_it_cannot_parse(data_dir: Path) -> None:
    async with in_process_client(data_dir) as client:
        result = ok(await client.call_tool("ai_search", {"prompt": "zzqx cloud blorp platform"}))
    assert result["items"] and result["understood"]["query"]


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
