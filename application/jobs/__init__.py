"""Generation jobs: the record of a job, and the rules of its life (issue 13)."""
