"""The release pipeline: steps that emit events, the artifact steps, the journal
and the ledger record of a release."""
