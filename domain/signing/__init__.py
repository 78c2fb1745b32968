"""Signing and verifying: DSSE envelopes, gpg, sigstore keyless and keyed signatures."""
