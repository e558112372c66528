-- The table tagsmoke_log.py writes: one row per LiteLLM standard logging payload.
-- request_tags and metadata hold the payload's values as JSON text.
CREATE TABLE IF NOT EXISTS litellm_log (
    row INTEGER PRIMARY KEY AUTOINCREMENT,
    litellm_call_id TEXT,
    id TEXT,
    trace_id TEXT,
    status TEXT,
    startTime REAL,
    request_tags TEXT,
    metadata TEXT
);
CREATE INDEX IF NOT EXISTS litellm_log_call_id ON litellm_log (litellm_call_id);
