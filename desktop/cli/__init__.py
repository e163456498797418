"""`mcp-desk <subcommand>`: the same services as the window, without one.

Every command prints plain sentences, `--json` where it prints data, and exits
non-zero with a reason when something is wrong.
"""
