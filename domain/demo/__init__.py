"""shipline demo: a sample repository with a realistic history and a sandbox to release it in."""
