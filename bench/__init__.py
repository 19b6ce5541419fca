"""Benchmarks: seeded large datasets and measured figures (see bench/RESULTS.md).

Speed is measured here, by scripts with recorded results, never by timed assertions in
the test suite. `make bench` (python -m bench.run_all) runs everything.
"""
