"""Stage 2, plan and send: one request per scenario; batch.py drives the run."""
