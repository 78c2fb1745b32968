"""Releasing a workspace (monorepo): each package its own commits, version
and tag, fixed groups, and the plan of a release train."""
