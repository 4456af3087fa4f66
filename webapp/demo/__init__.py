"""Demo data for trying Opportuno and for benchmarks."""
