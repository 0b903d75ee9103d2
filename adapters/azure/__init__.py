"""The Azure adapter: the company API on Azure Functions, called with Entra ID access tokens."""
