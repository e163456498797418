"""MCP Desk's servers for the user's other AI apps: one local endpoint, with consent, audit and secrets."""
