"""The Azure deployment (``company-mcp:cloud: azure``): one ComponentResource per concern, wired in ``stack.py``."""
