"""Use cases of generation jobs: start, get, list, cancel, and the runner the workers call."""
