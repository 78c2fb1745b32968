"""Provenance (seed ct-provenance-keeper): attestation, SBOM, lock files, ledger,
SLSA levels, CI environment, preflight and verify."""
