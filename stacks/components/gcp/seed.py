"""The one-off seeding job (``seedJob: true``): a Cloud Run job that loads the company data into Cloud SQL.

The database has no public address and no password user, so seeding runs inside the VPC, as its own service
account (an IAM database user with ``cloudsqlsuperuser``). It runs ``SEED_SCRIPT`` in the same image: take the
account's access token as the password (IAM database login), apply the migrations, seed
``SEED_COMPANIES`` companies and grant the API's IAM user the table privileges it needs (the API's own account
stays unable to change the schema). Start it with ``gcloud run jobs execute`` (README.md (Deploy to GCP)).
"""

from __future__ import annotations

from typing import Final, TypedDict

import pulumi
import pulumi_gcp as gcp

from stacks.components.gcp.service import database_url

SEED_COMPANIES: Final = 50_000
# Runs in the image (python -c): google-auth, psycopg and companydata are there for the API.
SEED_SCRIPT: Final = """
import os
import psycopg
from psycopg import sql
from companydata.postgres_schema import migrate_postgres
from companydata.postgres_seed import seed_postgres

if "PGPASSWORD" not in os.environ:  # on Cloud Run: IAM database login, the account's access token is the password
    import google.auth
    import google.auth.transport.requests

    credentials, _ = google.auth.default(scopes=["https://www.googleapis.com/auth/sqlservice.login"])
    credentials.refresh(google.auth.transport.requests.Request())
    os.environ["PGPASSWORD"] = credentials.token
store, schema = os.environ["SEED_STORE"], os.environ.get("SEED_SCHEMA", "public")
migrate_postgres(store, schema)
seed_postgres(store, int(os.environ["SEED_COMPANIES"]), schema=schema, progress=False)
api_user, space = sql.Identifier(os.environ["API_DB_USER"]), sql.Identifier(schema)
with psycopg.connect(store) as conn:
    conn.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(space, api_user))
    tables = sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {} TO {}")
    conn.execute(tables.format(space, api_user))
    conn.execute(sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {} TO {}").format(space, api_user))
print("seeded and granted", flush=True)
""".strip()


class SeedJobArgs(TypedDict):
    prefix: str
    project: str
    region: str
    image: str
    seed_email: pulumi.Input[str]
    seed_user: pulumi.Input[str]
    api_user: pulumi.Input[str]
    db_host: pulumi.Input[str]
    db_name: pulumi.Input[str]
    network_id: pulumi.Input[str]
    subnet_id: pulumi.Input[str]


class SeedJob(pulumi.ComponentResource):
    job_name: pulumi.Output[str]

    def __init__(self, name: str, args: SeedJobArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("company-mcp:gcp:SeedJob", name, None, opts)
        store = pulumi.Output.all(args["seed_user"], args["db_host"], args["db_name"]).apply(
            lambda parts: database_url(str(parts[0]), str(parts[1]), str(parts[2]))
        )
        job = gcp.cloudrunv2.Job(
            f"{name}-job",
            name=f"{args['prefix']}-seed",
            project=args["project"],
            location=args["region"],
            deletion_protection=False,
            template={
                "task_count": 1,
                "template": {
                    "service_account": args["seed_email"],
                    "timeout": "1800s",
                    "max_retries": 0,
                    "vpc_access": {
                        "network_interfaces": [{"network": args["network_id"], "subnetwork": args["subnet_id"]}],
                        "egress": "PRIVATE_RANGES_ONLY",
                    },
                    "containers": [
                        {
                            "image": args["image"],
                            "commands": ["python"],
                            "args": ["-c", SEED_SCRIPT],
                            "resources": {"limits": {"cpu": "1", "memory": "1Gi"}},
                            "envs": [
                                {"name": "SEED_STORE", "value": store},
                                {"name": "SEED_SCHEMA", "value": "public"},
                                {"name": "SEED_COMPANIES", "value": str(SEED_COMPANIES)},
                                {"name": "API_DB_USER", "value": args["api_user"]},
                            ],
                        }
                    ],
                },
            },
            labels={"app": "company-mcp"},
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.job_name = job.name
        self.register_outputs({"job": self.job_name})
