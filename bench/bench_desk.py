"""The desk's speed once loaded (`replykit desk`, `replykit serve`), each figure beside a baseline of the same run.

1. In process, one answer (language detected, entries ranked, order found, reply rendered) through
   ``replykit.desk.Desk`` on the sample KB (goal <= 30 ms) and on the 5,000-entry synthetic KB
   (goal <= 60 ms), against a home-made answer: rapidfuzz ``process.extractOne`` over every
   phrasing plus one Jinja render.
2. Over HTTP, ``POST /api/suggest`` to a real ``replykit serve`` on the sample KB, against
   ``GET /api/kb`` (the same server's round trip with no desk work).
3. The page's first contentful paint in Debian's chromium (goal < 1 s), against ``about:blank``'s.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.synth import generate_kb  # noqa: E402


def row(name: str, value: float, baseline: float, goal: str) -> None:
    print(f"{name:58} {value * 1000:8.1f} ms {value / baseline:7.2f}x  {goal}", flush=True)


def timed(func: Callable[[str], object], items: Sequence[str]) -> tuple[float, float]:
    """Median and 95th percentile seconds per call."""
    samples = []
    for item in items:
        start = time.perf_counter()
        func(item)
        samples.append(time.perf_counter() - start)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def messages_from(kb: object, count: int, seed: int = 7) -> list[str]:
    """Customer-like messages: a greeting, a KB phrasing with a word dropped, sometimes an order number."""
    from replykit.kb.model import KnowledgeBase

    assert isinstance(kb, KnowledgeBase)
    rng = random.Random(seed)
    phrasings = [p.text for e in kb.entries.values() for p in e.phrasings()]
    out = []
    for n in range(count):
        words = rng.choice(phrasings).split()
        if len(words) > 4:
            words.pop(rng.randrange(len(words)))
        order = f" Order KS-2026-{10482 + n % 70:05d}." if n % 3 == 0 else ""
        out.append(f"Hello,\n\n{' '.join(words)}{order}\n\nThanks")
    return out


def home_made(kb: object) -> Callable[[str], object]:
    """The baseline answer: fuzzy best phrasing, then a small Jinja template."""
    import jinja2
    from rapidfuzz import fuzz, process

    from replykit.kb.model import KnowledgeBase

    assert isinstance(kb, KnowledgeBase)
    choices = {}
    for entry in kb.entries.values():
        for p in entry.phrasings():
            choices[len(choices)] = (p.text, entry.id)
    texts = {k: v[0] for k, v in choices.items()}
    template = jinja2.Environment().from_string("Hello,\n\nYour order {{ order_id }} is on its way.\n\nBye")

    def answer(text: str) -> object:
        best = process.extractOne(text, texts, scorer=fuzz.token_set_ratio)
        return template.render(order_id=choices[best[2]][1])

    return answer


def in_process(name: str, root: Path, count: int, goal: str) -> None:
    from replykit.desk import Desk
    from replykit.kb.loader import load_kb

    kb = load_kb(root)
    desk = Desk(kb)
    started = time.perf_counter()
    desk.warm_up()
    warm = time.perf_counter() - started
    messages = messages_from(kb, count)
    baseline, _ = timed(home_made(kb), messages[: max(count // 4, 20)])
    median, p95 = timed(lambda text: desk.answer(text, top=5), messages)
    row(f"{name}: home-made answer (extractOne + jinja)", baseline, baseline, "baseline")
    row(f"{name}: Desk.answer, median", median, baseline, goal)
    row(f"{name}: Desk.answer, 95th percentile", p95, baseline, goal)
    print(f"{name}: loading and warming up the desk took {warm:.2f} s (once a day)", flush=True)


def over_http(count: int) -> None:
    replykit = str(Path(sys.executable).with_name("replykit"))
    server = subprocess.Popen([replykit, "serve", "--kb", str(REPO), "--port", "0"], stderr=subprocess.PIPE, text=True)
    try:
        assert server.stderr is not None
        found = re.search(r"at (http://\S+)/ ", server.stderr.readline())
        assert found, "the server did not start"
        url = found.group(1)

        def post(text: str) -> object:
            body = json.dumps({"text": text}).encode()
            headers = {"Content-Type": "application/json"}
            request = urllib.request.Request(url + "/api/suggest", data=body, headers=headers)
            with urllib.request.urlopen(request) as response:
                return response.read()

        def get(_: str) -> object:
            with urllib.request.urlopen(url + "/api/kb") as response:
                return response.read()

        from replykit.kb.loader import load_kb

        messages = messages_from(load_kb(REPO), count)
        post(messages[0])  # the warm-up thread may still be running
        time.sleep(1)
        baseline, _ = timed(get, messages)
        median, p95 = timed(post, messages)
        row("serve, sample KB: GET /api/kb round trip", baseline, baseline, "baseline")
        row("serve, sample KB: POST /api/suggest, median", median, baseline, "<= 30 ms")
        row("serve, sample KB: POST /api/suggest, 95th percentile", p95, baseline, "<= 30 ms")
        first_paint(url)
    finally:
        server.terminate()
        server.wait(timeout=10)


def first_paint(url: str) -> None:
    from playwright.sync_api import sync_playwright

    args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"]
    script = "performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=args)
        samples, blank = [], []
        for _ in range(5):
            page = browser.new_page()
            page.set_content("<p>x</p>")
            page.wait_for_timeout(50)
            blank.append((page.evaluate(script) or 0.0) / 1000)
            page.close()
            page = browser.new_page()
            page.goto(url + "/")
            page.wait_for_timeout(50)
            samples.append((page.evaluate(script) or 0.0) / 1000)
            page.close()
        browser.close()
    baseline = max(statistics.median(blank), 1e-3)
    row("page: first contentful paint of a one-line document", baseline, baseline, "baseline")
    row("page: first contentful paint of the desk page", statistics.median(samples), baseline, "< 1000 ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a 500-entry synthetic KB and fewer messages")
    args = parser.parse_args()
    entries, count = (500, 60) if args.quick else (5000, 200)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("REPLYKIT_CACHE_DIR", str(Path(tmp) / "cache"))
        in_process("sample KB", REPO, count, "<= 30 ms")
        root = generate_kb(Path(tmp) / "kb", entries=entries)
        in_process(f"synthetic KB ({entries} entries)", root, count, "<= 60 ms")
        over_http(count)
    return 0


if __name__ == "__main__":
    sys.exit(main())
