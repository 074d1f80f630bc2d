"""Start a real `replykit serve` process on a free port and talk HTTP to it (serve and page tests)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPLYKIT = str(Path(sys.executable).with_name("replykit"))


@dataclass
class Server:
    url: str
    process: subprocess.Popen[str]

    def request(
        self, path: str, body: bytes | str | Mapping[str, Any] | None = None, *, method: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> tuple[int, Any]:
        """Status and decoded JSON (or text) of one real HTTP request."""
        data = body if isinstance(body, bytes) else body.encode() if isinstance(body, str) else (
            json.dumps(body).encode() if body is not None else None
        )
        request = urllib.request.Request(self.url + path, data=data, method=method, headers=dict(headers or {}))
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, raw, kind = response.status, response.read(), response.headers.get("content-type", "")
        except urllib.error.HTTPError as e:
            status, raw, kind = e.code, e.read(), e.headers.get("content-type", "")
        text = raw.decode()
        return status, json.loads(text) if "json" in kind else text


@contextmanager
def running_server(kb: Path | str, *args: str, env: Mapping[str, str] | None = None) -> Iterator[Server]:
    """``replykit serve --port 0`` in its own process; stopped (by its pid) when the block ends."""
    process = subprocess.Popen(
        [REPLYKIT, "serve", "--kb", str(kb), "--port", "0", *args],
        stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
        env={**os.environ, **(env or {})},
    )
    try:
        assert process.stderr is not None
        line = process.stderr.readline()
        found = re.search(r"at (http://\S+/) ", line)
        assert found, f"no URL in the server's first line: {line!r}"
        yield Server(found.group(1).rstrip("/"), process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
