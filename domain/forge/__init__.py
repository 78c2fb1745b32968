"""Forge releases: after the push, the GitHub or GitLab release for the tag,
with the changelog entry as its notes and the release's files attached
(``release.forge`` in the config).

One client per forge (:mod:`.github`, :mod:`.gitlab`) over one transport
with bounded retries (:mod:`.http`); :mod:`.assets` says which files go up,
:mod:`.publish` checks before the point of no return and publishes after
the push, resumably; :mod:`.remote_check` lets ``verify`` compare what the
forge serves with the ledger.
"""
