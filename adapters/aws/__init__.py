"""The AWS adapter: AppSync (IAM-signed calls) behind the GraphQL adapter."""
