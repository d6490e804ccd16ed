"""Benchmarks: `make bench` prints tables; they measure, they do not pass or fail."""
