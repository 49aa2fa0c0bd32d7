"""Demo data: the three test cases and random plans for benchmarks (seed), from the content in data."""
