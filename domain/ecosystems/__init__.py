"""Per-ecosystem knowledge: manifests, version holders and what a repository is made of."""
