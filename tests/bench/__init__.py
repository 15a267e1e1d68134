"""Benchmarks: run as ``python -m tests.bench.NAME``; not part of the default test run."""
