"""Stage 1, files: the profile, scenario files, owner ledger and their checks."""
