"""The pilot's GCP price model covers what the GCP stack bills for."""

from __future__ import annotations

from pilot.cost import estimate, load_prices
from tests.stacks.test_gcp_stack import GcpDeployment, build_gcp_stack, make_gcp_config

# Each billed resource type the stack declares, and the price lines (by name prefix) that cost it.
BILLED = {
    "gcp:cloudrunv2/service:Service": ("Cloud Run requests", "Cloud Run CPU"),
    "gcp:sql/databaseInstance:DatabaseInstance": ("Cloud SQL for PostgreSQL vCPU", "Cloud SQL SSD storage"),
    "gcp:redis/instance:Instance": ("Memorystore for Redis",),
    "gcp:artifactregistry/repository:Repository": ("Artifact Registry storage",),
    "gcp:monitoring/metricDescriptor:MetricDescriptor": ("Cloud Monitoring metrics",),
    "gcp:logging/projectBucketConfig:ProjectBucketConfig": ("Cloud Logging ingestion",),
}


def test_every_billed_resource_of_the_stack_has_a_sourced_price() -> None:
    deployment: GcpDeployment = build_gcp_stack(make_gcp_config())
    model = load_prices()
    components = model.clouds["gcp"].components
    declared = {d.type for d in deployment.mocks.declared}
    for typ, prefixes in BILLED.items():
        assert typ in declared, f"the stack no longer declares {typ}: update BILLED"
        for prefix in prefixes:
            priced = [c for c in components if c.name.startswith(prefix)]
            assert priced, f"{typ} is billed but pilot/prices.json has no {prefix!r} line"
            assert all(c.source.startswith("https://cloud.google.com/") and c.date for c in priced)
    idle = estimate(model, "gcp", volume=0, typical_duration_s=0.0)
    fixed = {line.component for line in idle.lines if line.usd > 0}
    assert {"Memorystore for Redis (Basic, M1)", "Cloud SQL for PostgreSQL vCPU (Enterprise)"} <= fixed  # paid idle
