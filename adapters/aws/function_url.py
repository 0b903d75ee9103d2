"""The MCP function's resource URL, from its own Function URL, read from Lambda at start.

The resource URL (the token audience, the ``resource`` of the protected-resource metadata and the only
host the server accepts) must be the Function URL when no custom domain is in front. That URL exists
only after the function, and a function cannot name its own URL in its configuration (a dependency
cycle), so the function asks Lambda once per container, during init: ``lambda:GetFunctionUrlConfig``
on its own name (``AWS_LAMBDA_FUNCTION_NAME``, set by Lambda). That needs no second deployment, and no
request can steer it: the URL comes from the control plane, never from a client's ``Host`` header.
The stack grants exactly that action on exactly this function.

A failure (no URL configured, permission missing, the API unreachable) is a ``ConfigError``: the
init fails visibly and the next invocation tries again, rather than serving under a wrong audience.
"""

from __future__ import annotations

from typing import Any, Final
from urllib.parse import urlsplit

from adapters.aws.config import AwsSettings
from core.config import Settings
from core.errors import ConfigError

MCP_PATH: Final = "/mcp"
# One call at cold start: short timeouts and few retries keep a dead endpoint inside Lambda's 10 s init.
CONNECT_TIMEOUT_S: Final = 2.0
READ_TIMEOUT_S: Final = 3.0
MAX_ATTEMPTS: Final = 2


def own_function_url(
    function_name: str, *, region: str | None, endpoint_url: str | None = None, client: Any = None
) -> str:
    """The Function URL of ``function_name`` (``https://<id>.lambda-url.<region>.on.aws/``)."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        if client is None:
            import botocore.session
            from botocore.config import Config

            config = Config(
                connect_timeout=CONNECT_TIMEOUT_S,
                read_timeout=READ_TIMEOUT_S,
                retries={"max_attempts": MAX_ATTEMPTS, "mode": "standard"},
            )
            client = botocore.session.get_session().create_client(
                "lambda", region_name=region, endpoint_url=endpoint_url, config=config
            )
        answer = client.get_function_url_config(FunctionName=function_name)
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "Unknown")
        raise ConfigError(
            f"cannot read the Function URL of {function_name} ({code}): the function needs a Function URL and "
            "lambda:GetFunctionUrlConfig on itself, or set COMPANY_MCP_RESOURCE_URL"
        ) from exc
    except BotoCoreError as exc:
        raise ConfigError(
            f"cannot read the Function URL of {function_name}: {type(exc).__name__} (is the lambda VPC endpoint "
            "there?), or set COMPANY_MCP_RESOURCE_URL"
        ) from exc
    url = answer.get("FunctionUrl")
    parts = urlsplit(url) if isinstance(url, str) else None
    if parts is None or parts.scheme != "https" or not parts.hostname:
        raise ConfigError(f"Lambda answered no usable Function URL for {function_name}: {url!r}")
    return str(url)


def mcp_resource_url(function_url: str) -> str:
    """The MCP endpoint under a Function URL: its origin and ``/mcp``."""
    parts = urlsplit(function_url)
    return f"https://{parts.netloc}{MCP_PATH}"


def with_resource_url(settings: Settings, aws: AwsSettings, *, read: Any = None) -> Settings:
    """``settings`` with the resource URL read from the function's own Function URL, when the stack asks for it.

    An explicit ``COMPANY_MCP_RESOURCE_URL`` (a custom domain) always wins and nothing is read.
    """
    if settings.resource_url or not aws.resource_from_function_url:
        return settings
    if not aws.function_name:
        raise ConfigError(
            "COMPANY_MCP_AWS_RESOURCE_FROM_FUNCTION_URL needs the function's name (AWS_LAMBDA_FUNCTION_NAME, "
            "which Lambda sets), or set COMPANY_MCP_RESOURCE_URL"
        )
    reader = read or own_function_url
    url = reader(aws.function_name, region=aws.region, endpoint_url=aws.lambda_endpoint_url)
    return settings.model_copy(update={"resource_url": mcp_resource_url(url)})
