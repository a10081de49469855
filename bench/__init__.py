"""Benchmarks at scale: a synthetic corpus (bench.generate) and the figures (bench.run)."""
