"""Stage 0, the tag policy: a record's tags classified into a bucket and reasons."""
