"""Where servers come from besides a typed command: the MCP Registry's catalogue, MCPB bundles."""
