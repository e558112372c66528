"""Test-only LiteLLM callback: the SpendLogs row LiteLLM would store for each successful
request, built by LiteLLM's own ``get_logging_payload`` (the row ``GET /spend/logs`` reads
from its database), written to ``litellm-spend-logs.jsonl`` in ``TAGSMOKE_LITELLM_LOG_DIR``.
It lets the tests capture that shape from a real proxy that has no database. Runs under
LiteLLM's interpreter (litellm[proxy] 1.108.7)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from litellm.integrations.custom_logger import (  # type: ignore[import-not-found,unused-ignore]
    CustomLogger,
)
from litellm.proxy.spend_tracking.spend_tracking_utils import (  # type: ignore[import-not-found,unused-ignore]
    get_logging_payload,
)


class SpendLogsRow(CustomLogger):  # type: ignore[misc,unused-ignore]
    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path

    async def async_log_success_event(
        self, kwargs: dict[str, Any], response_obj: Any, start_time: Any, end_time: Any
    ) -> None:
        row = get_logging_payload(kwargs, response_obj, start_time, end_time)
        with self.path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(row, default=str) + "\n")


logger = SpendLogsRow(
    Path(os.environ.get("TAGSMOKE_LITELLM_LOG_DIR", ".")) / "litellm-spend-logs.jsonl"
)
