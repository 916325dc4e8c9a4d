"""Benchmarks: scripts that measure, run by hand or by ``make bench``."""
