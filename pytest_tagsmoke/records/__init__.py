"""Stage 5, smoke records: one typed record per scenario, and their summary."""
