"""What every step's save has in common: the JSON object the page sent, and the write made in the server's
threadpool while holding the app's one lock (one save or render at a time), its result answered as JSON. What
the object must hold is each step's own check."""

from __future__ import annotations

import json
import threading
from typing import Any, Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse


async def sent(request: Request) -> dict[str, Any]:
    """The JSON object in the request's body ({} for JSON that is no object: the step's check then refuses it)."""
    body = json.loads(await request.body())
    return body if isinstance(body, dict) else {}


async def locked(lock: threading.Lock, write: Callable[[], Any]) -> JSONResponse:
    """write() run in the threadpool holding `lock`, what it returns answered as JSON."""
    def hold() -> Any:
        with lock:
            return write()
    return JSONResponse(await run_in_threadpool(hold))
