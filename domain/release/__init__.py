"""The release rules: commits, versions, version files, changelog, gates and the plan."""
