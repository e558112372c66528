"""Stage 0, safety: rules every stage obeys (secrets redacted, no pricing claims)."""
