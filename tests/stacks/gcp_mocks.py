"""Pulumi mocks for the GCP stack tests: plausible names, emails, addresses and URLs, and a record of every
resource declared (``RecordingGcpMocks.declared``) with the options it was declared with."""

from __future__ import annotations

from typing import Any, Final

import pulumi

from tests.stacks.mocks import Declared

PROJECT: Final = "acme-mcp-dev"
PROJECT_NUMBER: Final = "123456789012"
REGION: Final = "europe-west1"
DB_PRIVATE_IP: Final = "10.90.0.3"
REDIS_HOST: Final = "10.90.1.4"
REDIS_AUTH: Final = "mock-redis-auth-string"
REDIS_CA: Final = "-----BEGIN CERTIFICATE-----\nMOCK\n-----END CERTIFICATE-----\n"
DIGEST: Final = "0123456789abcdef" * 4
REPOSITORY: Final = f"{REGION}-docker.pkg.dev/{PROJECT}/company-mcp"
IMAGE: Final = f"{REPOSITORY}/company-mcp@sha256:{DIGEST}"
API_IMAGE: Final = f"{REPOSITORY}/company-api@sha256:{DIGEST[::-1]}"


class RecordingGcpMocks(pulumi.runtime.Mocks):
    """Answers like Google would and keeps every declared resource in ``declared``."""

    def __init__(self) -> None:
        self.declared: list[Declared] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        inputs = dict(args.inputs)
        resource_id, extra = self._outputs(args.typ, args.name, inputs)
        state = {**inputs, **extra}
        state.setdefault("name", args.name)  # auto-named resources: the provider would return a name
        self.declared.append(Declared(args.typ, args.name, inputs, state))
        return resource_id, state

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:
        if args.token == "gcp:organizations/getProject:getProject":
            return {"id": f"projects/{PROJECT}", "projectId": PROJECT, "number": PROJECT_NUMBER, "name": PROJECT}
        return {}

    def _outputs(self, typ: str, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        if typ == "gcp:serviceaccount/account:Account":
            email = f"{inputs['accountId']}@{PROJECT}.iam.gserviceaccount.com"
            return email, {"email": email, "member": f"serviceAccount:{email}", "name": email}
        if typ == "gcp:sql/databaseInstance:DatabaseInstance":
            return inputs["name"], {
                "privateIpAddress": DB_PRIVATE_IP,
                "connectionName": f"{PROJECT}:{REGION}:{inputs['name']}",
            }
        if typ == "gcp:redis/instance:Instance":
            return inputs["name"], {
                "host": REDIS_HOST,
                "port": 6378,
                "authString": REDIS_AUTH,
                "serverCaCerts": [{"cert": REDIS_CA}],
            }
        if typ == "gcp:secretmanager/secret:Secret":
            return f"projects/{PROJECT}/secrets/{inputs['secretId']}", {"name": f"projects/{PROJECT_NUMBER}/secrets/x"}
        if typ == "gcp:parametermanager/regionalParameter:RegionalParameter":
            ident = f"projects/{PROJECT}/locations/{REGION}/parameters/{inputs['parameterId']}"
            return ident, {"name": ident}
        if typ == "gcp:parametermanager/regionalParameterVersion:RegionalParameterVersion":
            ident = f"{inputs['parameter']}/versions/{inputs['parameterVersionId']}"
            return ident, {"name": ident}
        if typ == "gcp:logging/projectBucketConfig:ProjectBucketConfig":
            ident = f"projects/{PROJECT}/locations/{inputs['location']}/buckets/{inputs['bucketId']}"
            return ident, {"name": ident}
        if typ == "gcp:monitoring/dashboard:Dashboard":
            return f"projects/{PROJECT_NUMBER}/dashboards/0a1b2c3d", {}
        if typ == "gcp:monitoring/notificationChannel:NotificationChannel":
            ident = f"projects/{PROJECT}/notificationChannels/4242"
            return ident, {"name": ident}
        if typ == "gcp:monitoring/alertPolicy:AlertPolicy":
            ident = f"projects/{PROJECT}/alertPolicies/{name}"
            return ident, {"name": ident}
        if typ == "gcp:cloudrunv2/service:Service":
            return inputs["name"], {"uri": f"https://{inputs['name']}-abc123-ew.a.run.app"}
        if typ == "gcp:compute/network:Network":
            return f"projects/{PROJECT}/global/networks/{inputs['name']}", {}
        if typ == "gcp:compute/subnetwork:Subnetwork":
            return f"projects/{PROJECT}/regions/{REGION}/subnetworks/{inputs['name']}", {}
        return inputs.get("name") or f"{name}-id", {}

    # -- queries over what was declared ---------------------------------------------------------------------

    def of_type(self, typ: str) -> list[Declared]:
        return [d for d in self.declared if d.type == typ]

    def one(self, typ: str) -> Declared:
        found = self.of_type(typ)
        if len(found) != 1:
            raise AssertionError(f"expected one {typ}, found {len(found)}")
        return found[0]

    def named(self, typ: str, name: str) -> Declared:
        return next(d for d in self.of_type(typ) if d.name == name)
