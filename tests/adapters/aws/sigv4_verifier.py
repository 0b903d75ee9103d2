"""A stand-in for AppSync's IAM check: recomputes each request's SigV4 signature with botocore.

It accepts a request only when the signature it computes from the request it
received (method, path, the signed headers as received, ``x-amz-date`` and the
body) with its own copy of the secret equals the one sent, the scope names its
region and service, and the date is fresh. Accepted requests get the stand-in
API's canned answers; refused ones get AppSync's 401 ``UnauthorizedException``.
"""

from __future__ import annotations

import hmac
import json
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from tests.adapters.graphql.fault_server import Receive, Scope, Seen, Send, canned

ACCESS_KEY = "AKIDEXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
REGION = "eu-west-1"
SERVICE = "appsync"
MAX_SKEW_S = 300

_AUTH = re.compile(
    r"AWS4-HMAC-SHA256 Credential=(?P<key>[A-Z0-9]+)/(?P<date>\d{8})/(?P<region>[a-z0-9-]+)/(?P<service>[a-z0-9]+)"
    r"/aws4_request, SignedHeaders=(?P<signed>[a-z0-9;-]+), Signature=(?P<signature>[0-9a-f]{64})"
)
# What the stand-in insists is covered by the signature whenever the request carries it.
MUST_SIGN = ("host", "x-amz-date", "content-type", "x-company-principal", "x-amz-security-token")


class SigV4Verifier:
    def __init__(self, secrets: dict[str, str] | None = None, clock: Callable[[], float] = time.time) -> None:
        self.secrets = secrets or {ACCESS_KEY: SECRET_KEY}
        self.clock = clock
        self.accepted: list[Seen] = []
        self.refused: list[str] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers: dict[str, str] = {}
        for raw_name, raw_value in scope["headers"]:
            name, value = raw_name.decode("latin-1"), raw_value.decode("latin-1")
            headers[name] = f"{headers[name]},{value}" if name in headers else value
        reason = self.problem(scope["method"], scope["path"], headers, body)
        if reason is None:
            seen = Seen(scope["method"], scope["path"], list(headers.items()), body)
            self.accepted.append(seen)
            answer = canned(seen)
            status, payload = answer.status, answer.body
        else:
            self.refused.append(reason)
            status = 401
            payload = json.dumps({"errors": [{"errorType": "UnauthorizedException", "message": reason}]}).encode()
        response_headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": response_headers})
        await send({"type": "http.response.body", "body": payload})

    def problem(self, method: str, path: str, headers: dict[str, str], body: bytes) -> str | None:
        """None if the request is correctly signed, else why not."""
        match = _AUTH.fullmatch(headers.get("authorization", ""))
        if match is None:
            return "no SigV4 authorization header"
        secret = self.secrets.get(match["key"])
        if secret is None:
            return "unknown access key"
        if (match["region"], match["service"]) != (REGION, SERVICE):
            return "wrong credential scope"
        amz_date = headers.get("x-amz-date", "")
        try:
            stamp = datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC).timestamp()
        except ValueError:
            return "bad x-amz-date"
        if amz_date[:8] != match["date"] or abs(self.clock() - stamp) > MAX_SKEW_S:
            return "stale or mismatched date"
        signed = match["signed"].split(";")
        missing = [name for name in MUST_SIGN if name in headers and name not in signed]
        if missing or any(name not in headers for name in signed):
            return f"signed headers do not cover {missing}"
        request = AWSRequest(
            method=method, url=f"http://{headers['host']}{path}", data=body, headers={n: headers[n] for n in signed}
        )
        request.context["timestamp"] = amz_date
        signer = SigV4Auth(Credentials(match["key"], secret), SERVICE, REGION)
        expected = signer.signature(signer.string_to_sign(request, signer.canonical_request(request)), request)
        if not hmac.compare_digest(expected, match["signature"]):
            return "signature mismatch"
        return None
