"""The company GraphQL API: the schema every cloud runs, and its reference implementation.

Modules (imported directly; nothing is re-exported here, so an AppSync Lambda resolver that
imports ``companydata.api.dispatch`` does not load Ariadne or Starlette):

- ``schema.graphql``: the SDL, the single source of the API.
- ``resolvers`` / ``dispatch``: the nine operations as plain functions over a ``Backend``, and
  ``resolve(field, arguments, principal, backend)`` routing one top-level field to them.
- ``errors`` / ``identity``: the error codes; service authentication and the end-user principal.
- ``schema`` / ``scalars`` / ``limits`` / ``graphql_errors`` / ``gate`` / ``stores`` / ``server`` /
  ``run`` (+ ``__main__``): the reference server (Ariadne, Starlette, uvicorn).
- ``appsync_check``: proves the SDL is one AppSync accepts and matches the MCP tool contracts.
"""
