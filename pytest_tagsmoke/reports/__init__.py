"""Stage 6, reports: the run folder and the text a person reads."""
