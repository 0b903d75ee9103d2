"""The token issuer when no external one is configured: a Cognito user pool for machine clients.

- A resource server (identifier ``cognitoResourceServer``, default ``company-mcp``) defines the scopes
  ``companies:read`` and ``companies:write``; Cognito writes them into access tokens as
  ``company-mcp/companies:read``, and the server strips the prefix (``COMPANY_MCP_OIDC_SCOPE_PREFIX``).
- One app client for machine clients: OAuth 2.0 client credentials, with a client secret, allowed both
  scopes (a client asks for the ones it needs). Access tokens live one hour.
- A Cognito domain (prefix ``cognitoDomainPrefix``, default ``company-mcp-<environment>-<account id>``)
  serves the token endpoint ``https://<prefix>.auth.<region>.amazoncognito.com/oauth2/token``.
- Nobody signs up: only administrators create users (there are none; clients are machines).

The server verifies these tokens with the ``cognito`` profile: issuer, signature, ``token_use=access``,
``client_id`` in ``COMPANY_MCP_OIDC_CLIENT_IDS`` (Cognito access tokens carry no ``aud``), expiry, scopes.
With ``oidcIssuer`` set, this component is not created and the external issuer is used instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final, TypedDict

import pulumi
import pulumi_aws as aws

from core.model import READ_SCOPE, WRITE_SCOPE

SCOPES: Final = (READ_SCOPE, WRITE_SCOPE)
ACCESS_TOKEN_MINUTES: Final = 60


class IdentityArgs(TypedDict):
    prefix: str  # plain: names
    region: str  # plain: the issuer and token endpoint URLs
    domain_prefix: pulumi.Input[str]
    resource_server: str  # plain: also the scope prefix
    extra_client_ids: pulumi.Input[Sequence[pulumi.Input[str]]]


class Identity(pulumi.ComponentResource):
    user_pool_id: pulumi.Output[str]
    user_pool_arn: pulumi.Output[str]
    issuer: pulumi.Output[str]
    client_id: pulumi.Output[str]
    client_ids: pulumi.Output[list[str]]
    scope_prefix: pulumi.Output[str]
    token_endpoint: pulumi.Output[str]

    def __init__(self, name: str, args: IdentityArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("company-mcp:aws:Identity", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        region, server_id = args["region"], args["resource_server"]

        pool = aws.cognito.UserPool(
            f"{name}-pool",
            name=f"{args['prefix']}-clients",
            admin_create_user_config={"allow_admin_create_user_only": True},
            deletion_protection="ACTIVE",
            opts=child,
        )
        server = aws.cognito.ResourceServer(
            f"{name}-api",
            user_pool_id=pool.id,
            identifier=server_id,
            name="company data API",
            scopes=[
                {"scope_name": READ_SCOPE, "scope_description": "Read company profiles, collections, discoveries"},
                {"scope_name": WRITE_SCOPE, "scope_description": "Create collections, request email discovery"},
            ],
            opts=child,
        )
        client = aws.cognito.UserPoolClient(
            f"{name}-machine-client",
            name=f"{args['prefix']}-machine",
            user_pool_id=pool.id,
            generate_secret=True,
            allowed_oauth_flows_user_pool_client=True,
            allowed_oauth_flows=["client_credentials"],
            allowed_oauth_scopes=[f"{server_id}/{scope}" for scope in SCOPES],
            supported_identity_providers=["COGNITO"],
            access_token_validity=ACCESS_TOKEN_MINUTES,
            token_validity_units={"access_token": "minutes"},
            enable_token_revocation=True,
            prevent_user_existence_errors="ENABLED",
            opts=pulumi.ResourceOptions(parent=self, depends_on=[server]),
        )
        domain = aws.cognito.UserPoolDomain(
            f"{name}-domain", domain=args["domain_prefix"], user_pool_id=pool.id, opts=child
        )

        self.user_pool_id = pool.id
        self.user_pool_arn = pool.arn
        # The pool's "endpoint" is cognito-idp.<region>.amazonaws.com/<pool id>: the issuer without its scheme.
        self.issuer = pulumi.Output.concat("https://cognito-idp.", region, ".amazonaws.com/", pool.id)
        self.client_id = client.id
        self.client_ids = pulumi.Output.all(client.id, args["extra_client_ids"]).apply(
            lambda values: [values[0], *[extra for extra in values[1] if extra != values[0]]]
        )
        self.scope_prefix = pulumi.Output.from_input(f"{server_id}/")
        self.token_endpoint = pulumi.Output.concat(
            "https://", domain.domain, ".auth.", region, ".amazoncognito.com/oauth2/token"
        )
        self.register_outputs(
            {
                "user_pool_id": self.user_pool_id,
                "issuer": self.issuer,
                "client_id": self.client_id,
                "token_endpoint": self.token_endpoint,
            }
        )
