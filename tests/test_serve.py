"""`replykit serve` over real HTTP: the JSON API, its 4xx answers, the token, concurrency."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.conftest import RunCLI, WriteKB
from tests.desk_kb import CONFIG, ORDERS, ORDERS_SECTION, files_with_orders
from tests.serve_server import REPLYKIT, running_server


def _kb(write_kb: WriteKB) -> str:
    return str(write_kb(files_with_orders(), config=CONFIG + ORDERS_SECTION))


def test_api_suggest_and_render(write_kb: WriteKB) -> None:
    with running_server(_kb(write_kb)) as server:
        status, page = server.request("/")
        assert status == 200 and "<title>replykit desk</title>" in page
        assert not re.search(r"\b(?:src|href)=|@import|url\(|https?://", page)  # no external assets: works offline
        status, answer = server.request("/api/suggest", {"text": "Hi, where is my order KS-2026-00001?"})
        assert status == 200
        assert answer["matches"][0]["id"] == "track-order"
        assert answer["order"] == "KS-2026-00001"
        assert answer["reply"]["text"].startswith("Hi Anna Schmidt,\n\nYour order KS-2026-00001 is on its way")
        status, second = server.request("/api/suggest", {"text": "where is my order", "pick": 2, "locale": "de"})
        assert status == 200 and second["locale"] == "de" and second["pick"] == 2
        assert second["reply"]["entry"] == second["matches"][1]["id"]
        status, reply = server.request(
            "/api/render", {"entry": "track-order", "locale": "de", "values": {"order_id": "X-1"}, "channel": "chat"}
        )
        assert status == 200
        assert reply["text"] == "Ihre Bestellung X-1 ist unterwegs.\n" and reply["missing"] == []
        values = {"order_id": "A-7", "refund_amount": "5"}
        status, filled = server.request(
            "/api/suggest", {"text": "my refund has not arrived yet", "values": values, "channel": "chat"}
        )
        assert status == 200 and filled["reply"]["text"].startswith("We refunded ")
        assert filled["reply"]["values"]["refund_amount"] == "5 USD"  # a bare amount: the locale's currency


def test_bad_requests_are_4xx_json_and_the_server_keeps_serving(write_kb: WriteKB) -> None:
    bad = [
        ("/api/suggest", b"{not json", 400, "not valid UTF-8 JSON"),
        ("/api/suggest", b"\xff\xfe", 400, "not valid UTF-8 JSON"),
        ("/api/suggest", b"[1, 2]", 422, "must be a JSON object"),
        ("/api/suggest", b'{"text": 5}', 422, "'text' must be text, not int"),
        ("/api/suggest", b'{"text": "   "}', 422, "'text' is empty"),
        ("/api/suggest", b'{"text": "where is it", "pick": "2"}', 422, "'pick' must be a whole number"),
        ("/api/suggest", b'{"text": "where is it", "pick": true}', 422, "'pick' must be a whole number"),
        ("/api/suggest", b'{"text": "where is it", "pick": 99}', 422, "--pick 99: only"),
        ("/api/suggest", b'{"text": "where is it", "locale": "xx-!!"}', 422, "xx-!!"),
        ("/api/suggest", b'{"text": "where is it", "channel": "fax"}', 422, "'channel' must be email or chat"),
        ("/api/render", b'{"entry": "track-ordr", "locale": "en"}', 404, "did you mean track-order"),
        ("/api/render", b'{"entry": "track-order", "values": {"shipped_at": "yesterday"}}', 422, "shipped_at"),
        ("/api/render", b'{"entry": "track-order", "values": [1]}', 422, "'values' must be an object"),
        ("/api/render", b'{"entry": "track-order", "locale": "en", "tz": "Mars/Base"}', 422, "Mars/Base"),
        ("/api/suggest", b'{"text": "' + b"a" * 300_000 + b'"}', 413, "over 262144 bytes"),
    ]
    with running_server(_kb(write_kb)) as server:
        for path, body, status, message in bad:
            got, document = server.request(path, body, method="POST")
            assert (got, message in document["error"]) == (status, True), (path, body[:60], got, document)
        got, document = server.request("/api/suggest", method="GET")
        assert got == 405 and document == {"error": "Method Not Allowed"}
        got, document = server.request("/nowhere")
        assert got == 404 and document == {"error": "Not Found"}
        status, answer = server.request("/api/suggest", {"text": "where is my order"})
        assert status == 200 and answer["matches"][0]["id"] == "track-order"
        assert server.process.poll() is None


def test_concurrent_requests_get_their_own_answers(write_kb: WriteKB) -> None:
    questions = {
        "where is my order": "track-order",
        "When will I get my refund?": "refund-status",
        "I want to cancel my order": "cancel-order",
        "Wo ist meine Bestellung?": "track-order",
    }
    with running_server(_kb(write_kb)) as server:
        work = [(text, entry, n) for n in range(10) for text, entry in questions.items()]

        def ask(item: tuple[str, str, int]) -> tuple[str, str, str]:
            text, entry, n = item
            status, answer = server.request("/api/suggest", {"text": text, "values": {"order_id": f"N-{n}"}})
            assert status == 200, answer
            return entry, answer["reply"]["entry"], answer["reply"]["text"]

        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(ask, work))
        for (_, _, n), (expected, got, text) in zip(work, results, strict=True):
            assert got == expected
            assert f"N-{n}" in text or expected == "refund-status"


def test_token_is_checked_on_every_request(write_kb: WriteKB) -> None:
    with running_server(_kb(write_kb), "--host", "127.0.0.1", env={"REPLYKIT_SERVE_TOKEN": "s3cret"}) as server:
        status, document = server.request("/")
        assert status == 401 and "token is required" in document["error"]
        status, document = server.request("/api/suggest", {"text": "where is it"}, headers={"X-Replykit-Token": "x"})
        assert status == 401
        status, page = server.request("/?token=s3cret")
        assert status == 200 and "replykit desk" in page
        status, answer = server.request(
            "/api/suggest", {"text": "where is my order"}, headers={"X-Replykit-Token": "s3cret"}
        )
        assert status == 200 and answer["matches"][0]["id"] == "track-order"
        status, _ = server.request("/api/kb", headers={"Authorization": "Bearer s3cret"})
        assert status == 200


def test_other_addresses_need_a_token(write_kb: WriteKB, run_cli: RunCLI) -> None:
    result = run_cli("serve", "--kb", _kb(write_kb), "--host", "0.0.0.0", "--port", "0")
    assert result.exit_code == 2
    assert result.stderr == (
        "replykit: error: --host 0.0.0.0 is reachable from other machines: give --token SECRET"
        " (or set REPLYKIT_SERVE_TOKEN), or keep the default 127.0.0.1\n"
    )


@pytest.mark.parametrize("module", ["uvicorn", "starlette"])
def test_without_the_serve_extra_the_error_names_the_pip_command(
    write_kb: WriteKB, run_cli: RunCLI, monkeypatch: pytest.MonkeyPatch, module: str
) -> None:
    for loaded in [m for m in sys.modules if m == module or m.startswith(module + ".")]:
        monkeypatch.delitem(sys.modules, loaded)
    for ours in [m for m in sys.modules if m.startswith("replykit.serve")]:
        monkeypatch.delitem(sys.modules, ours)  # so that the app module imports starlette again
    monkeypatch.setitem(sys.modules, module, None)  # what `import` sees when the package is not installed
    result = run_cli("serve", "--kb", _kb(write_kb), "--port", "0")
    assert result.exit_code == 2
    assert result.stderr == (
        f"replykit: error: replykit serve needs its extra ({module} is missing): pip install 'replykit[serve]'\n"
    )


def test_a_taken_port_is_a_one_line_error(write_kb: WriteKB) -> None:
    kb = _kb(write_kb)
    with running_server(kb) as server:
        port = server.url.rsplit(":", 1)[1]
        taken = subprocess.run([REPLYKIT, "serve", "--kb", kb, "--port", port], capture_output=True, text=True,
                               timeout=60)
    assert taken.returncode == 2
    assert taken.stderr.startswith(f"replykit: error: cannot listen on 127.0.0.1:{port} (")
    assert taken.stderr.endswith("): choose another --port or --host\n")


def test_a_vanished_order_source_is_a_4xx_answer_not_a_crash(write_kb: WriteKB) -> None:
    kb = write_kb(files_with_orders(), config=CONFIG + ORDERS_SECTION.replace("source: exports", "source: gone"))
    with running_server(kb) as server:
        status, document = server.request("/api/suggest", {"text": "where is my order KS-2026-00001"})
        assert status == 422
        assert document["error"].startswith("orders: source ") and "gone: no such file or folder" in document["error"]
        status, _ = server.request("/api/render", {"entry": "track-order", "locale": "en", "message": "KS-2026-00001"})
        assert status == 422
        status, _ = server.request("/api/render", {"entry": "track-order", "locale": "en"})  # no order to look up
        assert status == 200
        server.process.terminate()
        _, stderr = server.process.communicate(timeout=10)
    assert "Traceback" not in stderr


def test_new_exports_are_found_without_a_restart(write_kb: WriteKB) -> None:
    kb = write_kb(files_with_orders(), config=CONFIG + ORDERS_SECTION)
    with running_server(kb) as server:
        status, answer = server.request("/api/suggest", {"text": "where is my order KS-2026-00003"})
        assert status == 200 and answer["order"] is None
        order = {**ORDERS["orders"][0], "name": "KS-2026-00003"}
        (kb / "exports" / "today.json").write_text(json.dumps([order]), encoding="utf-8")
        time.sleep(1.2)  # the desk looks at the exports at most once a second
        status, answer = server.request("/api/suggest", {"text": "where is my order KS-2026-00003"})
        assert status == 200 and answer["order"] == "KS-2026-00003"
        assert "Your order KS-2026-00003 is on its way with Japan Post." in answer["reply"]["text"]
