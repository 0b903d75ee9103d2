"""The two Cloud Run services, each from its image (``deploy/gcp/Dockerfile`` targets ``mcp`` and ``api``).

Each service's own URL is part of its configuration (the MCP server's OAuth resource, the API's ID-token
audience and Host), and a service cannot name its ``uri`` output before it exists. Cloud Run's deterministic
URL, ``https://<service>-<project number>.<region>.run.app``, is known up front, so the stack uses it for both.

MCP service (``<prefix>-mcp``):
- ingress ``INGRESS_TRAFFIC_ALL`` and ``allUsers`` as ``run.invoker``: MCP clients present OAuth bearer tokens,
  not Google identities, so Cloud Run's IAM check cannot be the gate. The server is the OAuth resource server
  (``COMPANY_MCP_AUTH=oidc``): a request without a valid token gets 401 and runs nothing. This is the only
  public grant in the stack.
- Direct VPC egress of ALL traffic: Memorystore (private), and the API service over the VPC, which is what lets
  the API's ingress stay internal-only. Internet (the token issuer's keys) goes through Cloud NAT.
- Secrets as secret environment variables (cursor key, audit key, Redis URL) and the Redis CA as a file.

API service (``<prefix>-api``):
- ingress ``INGRESS_TRAFFIC_INTERNAL_ONLY`` (only the VPC reaches it), and ``run.invoker`` for the MCP
  service's account only: Cloud Run checks each request's Google ID token before the container sees it; the
  API also verifies the token itself (``COMPANY_API_AUTH=google``) so it refuses anyone but that account.
- Direct VPC egress of private ranges: Cloud SQL's private IP; Google's certificates over the internet.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final, NotRequired, TypedDict

import pulumi
import pulumi_gcp as gcp

from stacks.components.env import core_env
from stacks.components.gcp.cache import CA_FILE, CA_MOUNT_DIR

CONTAINER_PORT: Final = 8080  # Cloud Run passes it as $PORT
REQUEST_TIMEOUT: Final = "60s"
CONCURRENCY: Final = 80
AUDIT_LOG: Final = "company-mcp-audit"
METRIC_PREFIX: Final = "custom.googleapis.com/company_mcp/"
GCP_PREFIX: Final = "COMPANY_MCP_GCP_"
API_PREFIX: Final = "COMPANY_API_"
INVOKER: Final = "roles/run.invoker"
PUBLIC: Final = "allUsers"


def gcp_env(field: str) -> str:
    """A setting of ``adapters.gcp.config.GcpSettings`` (prefix ``COMPANY_MCP_GCP_``), e.g. ``flags_parameter``."""
    return f"{GCP_PREFIX}{field}".upper()


def api_env(field: str) -> str:
    """A setting of the company API on Cloud Run (prefix ``COMPANY_API_``), e.g. ``database_url``."""
    return f"{API_PREFIX}{field}".upper()


def service_url(name: str, project_number: str, region: str) -> str:
    """Cloud Run's deterministic URL of a service."""
    return f"https://{name}-{project_number}.{region}.run.app"


def database_url(user: str, host: str, db_name: str) -> str:
    """The API's store: IAM login (no password in the URL: the runtime adds an access token), TLS required."""
    return f"postgresql://{user}@{host}:5432/{db_name}?sslmode=require"


class OidcArgs(TypedDict):
    issuer: str
    profile: str
    audience: str
    claim_scopes: NotRequired[str]


class ServicesArgs(TypedDict):
    prefix: str
    project: str
    project_number: pulumi.Input[str]
    region: str
    mcp_image: str
    api_image: str
    mcp_cpu_always_allocated: bool
    network_id: pulumi.Input[str]
    subnet_id: pulumi.Input[str]
    mcp_email: pulumi.Input[str]
    api_email: pulumi.Input[str]
    oidc: OidcArgs
    flags_parameter: pulumi.Input[str]
    flags_refresh_s: int
    cursor_secret_id: pulumi.Input[str]
    audit_key_id: pulumi.Input[str]
    redis_url_id: pulumi.Input[str]
    redis_ca_id: pulumi.Input[str]
    db_host: pulumi.Input[str]
    db_name: pulumi.Input[str]
    db_user: pulumi.Input[str]
    mcp_cpu: str
    mcp_memory: str
    api_cpu: str
    api_memory: str
    min_instances: int
    max_instances: int
    depends_on: NotRequired[Sequence[pulumi.Resource]]


def _plain(env: dict[str, pulumi.Input[str]]) -> list[dict[str, object]]:
    return [{"name": key, "value": value} for key, value in env.items()]


def _secret(name: str, secret_id: pulumi.Input[str]) -> dict[str, object]:
    return {"name": name, "value_source": {"secret_key_ref": {"secret": secret_id, "version": "latest"}}}


def mcp_environment(
    args: ServicesArgs, mcp_url: pulumi.Input[str], api_url: pulumi.Input[str]
) -> list[dict[str, object]]:
    """The MCP service's environment (names: /work/notes/gcp-contract.md; core names from core.config)."""
    oidc = args["oidc"]
    env: dict[str, pulumi.Input[str]] = {
        core_env("adapter"): "gcp",
        core_env("transport"): "http",
        core_env("auth"): "oidc",
        core_env("allow_mutations"): "false",  # the static fallback; the Parameter Manager flags are the switch
        core_env("log_format"): "json",
        core_env("oidc_issuer"): oidc["issuer"],
        core_env("oidc_profile"): oidc["profile"],
        core_env("oidc_audience"): oidc["audience"],
        core_env("resource_url"): pulumi.Output.concat(mcp_url, "/mcp"),
        core_env("graphql_url"): pulumi.Output.concat(api_url, "/graphql"),
        gcp_env("api_audience"): api_url,
        "GOOGLE_CLOUD_PROJECT": args["project"],
        gcp_env("region"): args["region"],  # the metrics' and audit entries' generic_task location
        gcp_env("flags_parameter"): args["flags_parameter"],
        gcp_env("flags_refresh_s"): str(args["flags_refresh_s"]),
        gcp_env("audit_log"): AUDIT_LOG,
        gcp_env("metric_prefix"): METRIC_PREFIX,
    }
    if "claim_scopes" in oidc:
        env[core_env("oidc_claim_scopes")] = oidc["claim_scopes"]
    return [
        *_plain(env),
        _secret(core_env("redis_url"), args["redis_url_id"]),
        _secret(core_env("cursor_secret"), args["cursor_secret_id"]),
        _secret(gcp_env("audit_key"), args["audit_key_id"]),
    ]


def api_environment(args: ServicesArgs, api_url: pulumi.Input[str]) -> list[dict[str, object]]:
    host = pulumi.Output.from_input(api_url).apply(lambda url: url.removeprefix("https://"))
    env: dict[str, pulumi.Input[str]] = {
        api_env("database_url"): pulumi.Output.all(args["db_user"], args["db_host"], args["db_name"]).apply(
            lambda parts: database_url(str(parts[0]), str(parts[1]), str(parts[2]))
        ),
        api_env("db_schema"): "public",
        api_env("db_migrate"): "false",  # the seed job owns the schema; the API's user may not create tables
        api_env("auth"): "google",
        api_env("google_audience"): api_url,
        api_env("google_allowed_service_accounts"): args["mcp_email"],
        api_env("public_hosts"): host,
        "GOOGLE_CLOUD_PROJECT": args["project"],
    }
    return _plain(env)


class Services(pulumi.ComponentResource):
    mcp_url: pulumi.Output[str]  # https://<prefix>-mcp-<number>.<region>.run.app/mcp
    api_url: pulumi.Output[str]
    mcp_service: pulumi.Output[str]
    api_service: pulumi.Output[str]

    def __init__(self, name: str, args: ServicesArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("company-mcp:gcp:Services", name, None, opts)
        child = pulumi.ResourceOptions(parent=self, depends_on=list(args.get("depends_on", [])))
        prefix, region = args["prefix"], args["region"]
        mcp_name, api_name = f"{prefix}-mcp", f"{prefix}-api"
        number = pulumi.Output.from_input(args["project_number"])
        mcp_url = number.apply(lambda n: service_url(mcp_name, str(n), region))
        api_url = number.apply(lambda n: service_url(api_name, str(n), region))

        def container(
            image: str, cpu: str, memory: str, cpu_idle: bool, env: list[dict[str, object]], **extra: object
        ) -> dict[str, object]:
            # No command: each image's CMD starts its server on $PORT (deploy/gcp/Dockerfile).
            return {
                "image": image,
                "ports": {"container_port": CONTAINER_PORT},
                "resources": {
                    "limits": {"cpu": cpu, "memory": memory},
                    "cpu_idle": cpu_idle,
                    "startup_cpu_boost": True,
                },
                "envs": env,
                **extra,
            }

        def template(
            email: pulumi.Input[str], egress: str, containers: list[dict[str, object]], **extra: object
        ) -> dict[str, object]:
            return {
                "service_account": email,
                "timeout": REQUEST_TIMEOUT,
                "max_instance_request_concurrency": CONCURRENCY,
                "scaling": {"min_instance_count": args["min_instances"], "max_instance_count": args["max_instances"]},
                "vpc_access": {
                    "network_interfaces": [{"network": args["network_id"], "subnetwork": args["subnet_id"]}],
                    "egress": egress,
                },
                "containers": containers,
                **extra,
            }

        api = gcp.cloudrunv2.Service(
            f"{name}-api",
            name=api_name,
            project=args["project"],
            location=region,
            description="company-mcp: the company GraphQL API (internal, MCP service account only)",
            ingress="INGRESS_TRAFFIC_INTERNAL_ONLY",
            deletion_protection=False,
            invoker_iam_disabled=False,
            template=template(
                args["api_email"],
                "PRIVATE_RANGES_ONLY",
                [
                    container(
                        args["api_image"], args["api_cpu"], args["api_memory"], True, api_environment(args, api_url)
                    )
                ],
            ),
            labels={"app": "company-mcp"},
            opts=child,
        )
        gcp.cloudrunv2.ServiceIamMember(
            f"{name}-api-invoker",
            project=args["project"],
            location=region,
            name=api.name,
            role=INVOKER,
            member=pulumi.Output.concat("serviceAccount:", args["mcp_email"]),
            opts=child,
        )
        mcp = gcp.cloudrunv2.Service(
            f"{name}-mcp",
            name=mcp_name,
            project=args["project"],
            location=region,
            description="company-mcp: the MCP server (streamable HTTP at /mcp, OAuth bearer tokens)",
            ingress="INGRESS_TRAFFIC_ALL",
            deletion_protection=False,
            invoker_iam_disabled=False,
            template=template(
                args["mcp_email"],
                "ALL_TRAFFIC",
                [
                    container(
                        args["mcp_image"],
                        args["mcp_cpu"],
                        args["mcp_memory"],
                        not args["mcp_cpu_always_allocated"],
                        mcp_environment(args, mcp_url, api_url),
                        volume_mounts=[{"name": "redis-ca", "mount_path": CA_MOUNT_DIR}],
                    )
                ],
                volumes=[
                    {
                        "name": "redis-ca",
                        "secret": {
                            "secret": args["redis_ca_id"],
                            "items": [{"path": CA_FILE, "version": "latest", "mode": 0o444}],
                        },
                    }
                ],
            ),
            labels={"app": "company-mcp"},
            opts=child,
        )
        # Public at the Cloud Run level on purpose (see the module docstring): the server checks OAuth tokens.
        gcp.cloudrunv2.ServiceIamMember(
            f"{name}-mcp-public",
            project=args["project"],
            location=region,
            name=mcp.name,
            role=INVOKER,
            member=PUBLIC,
            opts=child,
        )
        self.mcp_url = mcp_url.apply(lambda url: f"{url}/mcp")
        self.api_url = api_url
        self.mcp_service = mcp.name
        self.api_service = api.name
        self.register_outputs({"mcp_url": self.mcp_url, "api_url": self.api_url})
