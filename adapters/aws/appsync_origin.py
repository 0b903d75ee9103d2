"""Proof that a resolver event was built by AppSync's request handler, not sent by a direct ``lambda:Invoke``.

The resolver takes the end user from its event (the ``x-company-principal`` header AppSync forwards), so an
event anyone in the account can hand the function directly must not count. AppSync's request handler
(``resolver_code``) adds a per-deployment random proof to the payload it invokes the function with; the
function holds only the proof's SHA-256 (``COMPANY_API_ORIGIN_PROOF_SHA256``: not a secret: the proof has some 380
random bits) and refuses every event that does not carry the matching proof, before it opens the store.

Why a bearer proof, not a MAC of each event: the APPSYNC_JS runtime has no HMAC (``util`` offers no crypto
helpers), so the request handler cannot sign. Why in the resolver code, not ``ctx.env``: the AWS provider
cannot set AppSync environment variables yet (pulumi/pulumi-aws#3877, hashicorp/terraform-provider-aws#38051),
and ``ctx.env`` would be readable the same way (``appsync:GetGraphqlApiEnvironmentVariables``). Either way, the
proof is as secret as the API's resolvers: whoever may both read them (``appsync:GetResolver``) and invoke the
function can forge; the stack keeps the code a Pulumi secret and grants neither.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
from collections.abc import Mapping
from typing import Any, Final

from companydata.api.errors import ApiError

log = logging.getLogger("companydata.api.appsync")

PROOF_FIELD: Final = "origin_proof"  # the payload member the request handler sets
PROOF_RE: Final = re.compile(r"[A-Za-z0-9_-]{32,128}")  # what the stack generates; anything else is refused
DIGEST_RE: Final = re.compile(r"[0-9a-f]{64}")

_CODE_TEMPLATE: Final = """\
import { util } from '@aws-appsync/utils';

export function request(ctx) {
  return {
    operation: 'Invoke',
    payload: {
      origin_proof: __ORIGIN_PROOF__,
      info: { fieldName: ctx.info.fieldName, parentTypeName: ctx.info.parentTypeName },
      arguments: ctx.arguments,
      identity: ctx.identity,
      request: { headers: { 'x-company-principal': ctx.request.headers['x-company-principal'] } },
    },
  };
}

export function response(ctx) {
  if (ctx.error) {
    util.error('The company API could not answer this request. Try again later.', 'INTERNAL');
  }
  if (ctx.result && ctx.result.errorType) {
    util.error(ctx.result.errorMessage, ctx.result.errorType, null, ctx.result.errorInfo);
  }
  return ctx.result;
}
"""


def resolver_code(proof: str) -> str:
    """The APPSYNC_JS unit resolver of every root field, carrying ``proof`` (a JS string literal)."""
    if not PROOF_RE.fullmatch(proof):
        raise ValueError("the origin proof must be 32-128 characters of [A-Za-z0-9_-]")
    return _CODE_TEMPLATE.replace("__ORIGIN_PROOF__", json.dumps(proof))


def proof_sha256(proof: str) -> str:
    """What the function is configured with: the proof's SHA-256, lower-case hex."""
    return hashlib.sha256(proof.encode()).hexdigest()


class AppSyncOrigin:
    """Accepts an event only when it carries the proof whose SHA-256 is ``proof_digest``; without one, none."""

    def __init__(self, proof_digest: str | None) -> None:
        digest = (proof_digest or "").strip().lower()
        self._digest = digest if DIGEST_RE.fullmatch(digest) else None
        if self._digest is None:
            # Fail closed: a resolver without the digest cannot tell AppSync from anyone else.
            log.error("COMPANY_API_ORIGIN_PROOF_SHA256 is missing or malformed: every request is refused")

    def check(self, event: Mapping[str, Any]) -> None:
        """Raise FORBIDDEN (nothing else runs) unless ``event`` came through AppSync's request handler."""
        proof = event.get(PROOF_FIELD)
        if self._digest is None:
            raise ApiError("FORBIDDEN", "The company API's resolver is not configured to accept requests.")
        if (
            not isinstance(proof, str)
            or not PROOF_RE.fullmatch(proof)
            or not hmac.compare_digest(proof_sha256(proof), self._digest)
        ):
            info = event.get("info")
            field = info.get("fieldName") if isinstance(info, Mapping) else None
            log.warning("refused an event without AppSync's origin proof (field %.64r)", field)
            raise ApiError("FORBIDDEN", "This request did not come through the company API.")
