"""Email discovery results: clearly synthetic and deterministic.

No real person's address is ever produced: every result is on the company's own
(generated) domain, flagged ``synthetic``, and derived from a hash of the
company id and the role, so asking again never changes the answer. Any store
implementation can call these to give identical results.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

from core.model import DiscoveredEmail

_FIRST = ("alex", "sam", "maria", "jonas", "priya", "li", "noah", "emma", "omar", "sofia", "lucas", "mia", "kenji")
_LAST = ("meyer", "garcia", "nguyen", "smith", "rossi", "kowalski", "silva", "tanaka", "dubois", "jensen", "patel")
_GENERAL = "general"


def normalize_roles(roles: Iterable[str]) -> list[str]:
    """Lowercase, trimmed, deduplicated and sorted: the form that is stored and compared."""
    return sorted({role.strip().lower() for role in roles if role.strip()})


def roles_key(roles: list[str]) -> str:
    return ",".join(roles)


def _local_part(role: str) -> str:
    return re.sub(r"[^a-z0-9]+", ".", role).strip(".") or "contact"


def synthetic_results(company_id: str, domain: str, roles: list[str]) -> list[DiscoveredEmail]:
    """One or two results per role (``roles`` normalised); a generic contact when no role was asked for."""
    results: list[DiscoveredEmail] = []
    for role in roles or [_GENERAL]:
        digest = hashlib.blake2b(f"{company_id}\x00{role}".encode(), digest_size=8, person=b"email-disc-v1").digest()
        h = int.from_bytes(digest, "little")
        h, first = divmod(h, len(_FIRST))
        h, last = divmod(h, len(_LAST))
        h, confidence = divmod(h, 56)
        if role == _GENERAL:
            results.append(DiscoveredEmail(email=f"contact@{domain}", role=role, confidence=0.5, synthetic=True))
            continue
        person = f"{_FIRST[first]}.{_LAST[last]}@{domain}"
        results.append(
            DiscoveredEmail(email=person, role=role, confidence=round(0.4 + confidence / 100, 2), synthetic=True)
        )
        if h % 2:
            results.append(
                DiscoveredEmail(email=f"{_local_part(role)}@{domain}", role=role, confidence=0.3, synthetic=True)
            )
    return results
