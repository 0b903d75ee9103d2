"""The GCP deployment: every component, wired together, and the stack outputs.

Apis ──> everything below
Network (VPC, subnet, Private Service Access, Cloud NAT) ─┬─> Data (Cloud SQL, private IP, IAM login)
                                                          └─> Cache (Memorystore Redis, TLS + AUTH)
Identity (one service account per service) ──> Secrets (cursor key, audit key, Redis URL + CA)
Flags (Parameter Manager, every write off)   Registry (Artifact Registry)   AuditLog (locked bucket, sink, metric)
Services (Cloud Run: MCP public behind OAuth, API internal + IAM)   [SeedJob]   Observability (dashboard, alerts)

Without ``image`` (the first ``pulumi up``) the Cloud Run services and the seed job are left out: the repository
they pull from must exist before an image can be pushed to it (README.md (Deploy to GCP), steps 2-4).
"""

from __future__ import annotations

from typing import Final

import pulumi
import pulumi_gcp as gcp

from stacks.components.gcp.apis import Apis
from stacks.components.gcp.audit import AuditLog
from stacks.components.gcp.cache import Cache
from stacks.components.gcp.config import GcpStackConfig
from stacks.components.gcp.data import Data
from stacks.components.gcp.flags import Flags
from stacks.components.gcp.identity import Identity
from stacks.components.gcp.network import Network
from stacks.components.gcp.observability import Observability
from stacks.components.gcp.registry import Registry
from stacks.components.gcp.secrets import Secrets
from stacks.components.gcp.seed import SeedJob
from stacks.components.gcp.service import OidcArgs, Services
from stacks.config import PROJECT

BUILD_HINT: Final = (
    "BUILD=$(gcloud builds submit --config deploy/gcp/cloudbuild.yaml --substitutions=_REPO={repository} "
    "--format='value(id)' .) && "
    "pulumi config set company-mcp:image $(gcloud artifacts docker images describe {repository}/company-mcp:$BUILD "
    "--format='value(image_summary.fully_qualified_digest)') && "
    "pulumi config set company-mcp:apiImage $(gcloud artifacts docker images describe {repository}/company-api:$BUILD "
    "--format='value(image_summary.fully_qualified_digest)') && pulumi up"
)


def deploy(cfg: GcpStackConfig) -> dict[str, pulumi.Input[str]]:
    """Declare the whole GCP deployment; returns the stack outputs."""
    prefix, project, region = cfg.name_prefix, cfg.project, cfg.region
    provider = gcp.Provider(
        "gcp",
        project=project,
        region=region,
        default_labels={"project": PROJECT, "environment": cfg.environment, "managed-by": "pulumi"},
    )
    base = pulumi.ResourceOptions(providers=[provider])
    apis = Apis("apis", {"project": project}, base)
    opts = pulumi.ResourceOptions(providers=[provider], depends_on=[apis])
    project_number = gcp.organizations.get_project_output(
        project_id=project, opts=pulumi.InvokeOutputOptions(provider=provider)
    ).number

    network = Network(
        "network",
        {
            "prefix": prefix,
            "project": project,
            "region": region,
            "subnet_cidr": cfg.subnet_cidr,
            "services_prefix_length": cfg.services_prefix_length,
        },
        opts,
    )
    identity = Identity(
        "identity", {"project": project, "environment": cfg.environment, "seed_job": cfg.seed_job}, opts
    )
    data = Data(
        "data",
        {
            "prefix": prefix,
            "project": project,
            "region": region,
            "network_id": network.network_id,
            "peering": network.peering,
            "tier": cfg.db_tier,
            "disk_gb": cfg.db_disk_gb,
            "db_name": cfg.db_name,
            "high_availability": cfg.db_high_availability,
            "deletion_protection": cfg.deletion_protection,
            "backup_retention_count": cfg.backup_retention_count,
            "api_email": identity.api_email,
            "seed_email": identity.seed_email,
        },
        opts,
    )
    cache = Cache(
        "cache",
        {
            "prefix": prefix,
            "project": project,
            "region": region,
            "network_id": network.network_id,
            "services_range_name": network.services_range_name,
            "peering": network.peering,
            "tier": cfg.redis_tier,
            "memory_gb": cfg.redis_memory_gb,
        },
        opts,
    )
    secrets = Secrets(
        "secrets",
        {
            "prefix": prefix,
            "project": project,
            "region": region,
            "reader_member": pulumi.Output.concat("serviceAccount:", identity.mcp_email),
            "redis_url": cache.url,
            "redis_ca": cache.ca_certificate,
        },
        opts,
    )
    flags = Flags("flags", {"project": project, "region": region}, opts)
    registry = Registry("registry", {"project": project, "region": region}, opts)
    audit = AuditLog(
        "audit",
        {
            "prefix": prefix,
            "project": project,
            "region": region,
            "retention_days": cfg.audit_retention_days,
            "locked": cfg.audit_bucket_locked,
        },
        opts,
    )
    observability = Observability(
        "observability",
        {
            "prefix": prefix,
            "project": project,
            "alarm_email": cfg.alarm_email,
            "blocked_writes_log_metric": audit.blocked_writes_metric_type,
            "error_rate_threshold_percent": cfg.error_rate_threshold_percent,
            "p99_latency_threshold_ms": cfg.p99_latency_threshold_ms,
            "blocked_writes_threshold": cfg.blocked_writes_threshold,
        },
        opts,
    )

    outputs: dict[str, pulumi.Input[str]] = {
        "imageRepository": registry.repository,
        "flagsParameter": flags.parameter,
        "auditBucket": audit.bucket,
        "auditLog": f"projects/{project}/logs/company-mcp-audit",
        "dashboardUrl": observability.dashboard_url,
        "dbInstance": data.instance_name,
        "dbPrivateIp": data.private_ip,
        "mcpServiceAccount": identity.mcp_email,
        "apiServiceAccount": identity.api_email,
        "issuer": cfg.oidc_issuer,
    }
    if cfg.image is None or cfg.api_image is None:
        outputs["nextStep"] = registry.repository.apply(lambda repository: BUILD_HINT.format(repository=repository))
        return outputs

    oidc: OidcArgs = {"issuer": cfg.oidc_issuer, "profile": cfg.oidc_profile, "audience": cfg.oidc_audience}
    if cfg.oidc_claim_scopes is not None:
        oidc["claim_scopes"] = cfg.oidc_claim_scopes
    services = Services(
        "services",
        {
            "prefix": prefix,
            "project": project,
            "project_number": project_number,
            "region": region,
            "mcp_image": cfg.image,
            "api_image": cfg.api_image,
            "mcp_cpu_always_allocated": cfg.mcp_cpu_always_allocated,
            "network_id": network.network_id,
            "subnet_id": network.subnet_id,
            "mcp_email": identity.mcp_email,
            "api_email": identity.api_email,
            "oidc": oidc,
            "flags_parameter": flags.parameter,
            "flags_refresh_s": cfg.flags_refresh_s,
            "cursor_secret_id": secrets.cursor_secret_id,
            "audit_key_id": secrets.audit_key_id,
            "redis_url_id": secrets.redis_url_id,
            "redis_ca_id": secrets.redis_ca_id,
            "db_host": data.private_ip,
            "db_name": data.db_name,
            "db_user": data.api_user,
            "mcp_cpu": cfg.mcp_cpu,
            "mcp_memory": cfg.mcp_memory,
            "api_cpu": cfg.api_cpu,
            "api_memory": cfg.api_memory,
            "min_instances": cfg.min_instances,
            "max_instances": cfg.max_instances,
            "depends_on": [secrets, flags, identity],
        },
        opts,
    )
    outputs["mcpUrl"] = services.mcp_url
    outputs["apiUrl"] = services.api_url
    outputs["mcpService"] = services.mcp_service
    outputs["apiService"] = services.api_service
    if cfg.seed_job and identity.seed_email is not None and data.seed_user is not None:
        seed = SeedJob(
            "seed",
            {
                "prefix": prefix,
                "project": project,
                "region": region,
                "image": cfg.api_image,  # the API image holds companydata, psycopg and google-auth
                "seed_email": identity.seed_email,
                "seed_user": data.seed_user,
                "api_user": data.api_user,
                "db_host": data.private_ip,
                "db_name": data.db_name,
                "network_id": network.network_id,
                "subnet_id": network.subnet_id,
            },
            opts,
        )
        outputs["seedJob"] = seed.job_name
    return outputs
