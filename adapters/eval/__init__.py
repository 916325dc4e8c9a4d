"""Evaluation files: the bundled topic set, the results file and the reports."""
