"""The SLSA L4 two-party review: evidence, checks, rebuild, approvals and the level decision."""
