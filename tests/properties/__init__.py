"""Property-based tests: random sequences of a sale's signals and updates, and its invariants."""
