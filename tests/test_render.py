"""`replykit render` as agents use it: channels, fallbacks, missing values, the sandbox, output formats."""

from __future__ import annotations

import json
import os
import shutil
import stat
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date, format_datetime

from replykit import MissingVariablesError, RenderError, load_kb
from replykit.rendering import build_environment, render_reply, render_template
from replykit.values import parse_values
from tests.conftest import RunCLI, WriteKB

REPO = Path(__file__).resolve().parent.parent

TRACK = """
id: track-order
questions:
  en: ["where is my order"]
  de: ["wo ist meine Bestellung"]
variables:
  order_id: {type: string, required: true}
  tracking_number: {type: string, required: true}
  carrier: {type: string}
  tracking_url: {type: string}
  eta: {type: date}
"""

EN_BODY = """
Your order {{ order_id }} is on its way{% if carrier is defined %} with {{ carrier }}{% endif %}.
Tracking number: {{ tracking_number }}.
{% if eta is defined %}
It should arrive by {{ eta | date('long') }}.
{% endif %}
"""

DE_BODY = """
Ihre Bestellung {{ order_id }} ist unterwegs{% if carrier is defined %} mit {{ carrier }}{% endif %}.
Sendungsnummer: {{ tracking_number }}.
{% if eta is defined %}
Voraussichtliche Zustellung: {{ eta | date('long') }}.
{% endif %}
"""

FILES = {
    "kb/track-order.yaml": TRACK,
    "templates/en/track-order.j2": EN_BODY,
    "templates/en/track-order.chat.j2": "Order {{ order_id }}: tracking {{ tracking_number }}.\n",
    "templates/en/_greeting.j2": """
        {% if customer.name is defined %}
        Hi {{ customer.name }},
        {% else %}
        Hello,
        {% endif %}
        """,
    "templates/en/_signature.j2": "Kind regards,\n{{ locale.team_name }}\n",
    "templates/de/track-order.j2": DE_BODY,
    "templates/de/_greeting.j2": "Guten Tag,\n",
    "templates/de/_signature.j2": "Mit freundlichen Grüßen\n{{ locale.team_name }}\n",
    "locales/en.yaml": "team_name: the Kumo Supply team\ntimezone: America/New_York\n",
    "locales/de.yaml": "team_name: Ihr Kumo-Supply-Team\ntimezone: Europe/Berlin\n",
}

VALUES = ("--var", "order_id=KS-1", "--var", "tracking_number=EJ1JP")
#: CLDR's long German date, from Babel: the month name is CLDR's, the "long" format replykit's choice.
DEC_3_DE = format_date(date(2026, 12, 3), "long", locale="de")


@pytest.fixture
def kb_root(write_kb: WriteKB) -> Path:
    return write_kb(FILES, config="source_locale: en\nlocales: [en, de, ja]\nfallbacks: {de_AT: [de]}\n")


def render(run_cli: RunCLI, root: Path, *args: str, entry: str = "track-order") -> tuple[int, str, str]:
    result = run_cli("render", entry, "--kb", str(root), *args)
    return result.exit_code, result.stdout, result.stderr


# ---- channels ----------------------------------------------------------------------------------


def test_email_wraps_the_body_in_greeting_and_signature(kb_root: Path, run_cli: RunCLI) -> None:
    code, out, err = render(run_cli, kb_root, "--locale", "de", *VALUES, "--var", "eta=2026-12-03")
    assert (code, err) == (0, "")
    assert out == (
        "Guten Tag,\n\n"
        "Ihre Bestellung KS-1 ist unterwegs.\nSendungsnummer: EJ1JP.\n"
        f"Voraussichtliche Zustellung: {DEC_3_DE}.\n\n"
        "Mit freundlichen Grüßen\nIhr Kumo-Supply-Team\n"
    )


def test_the_greeting_sees_the_customer_from_the_order(kb_root: Path, run_cli: RunCLI) -> None:
    order = kb_root / "order.yaml"
    order.write_text("order_id: KS-1\ntracking_number: EJ1JP\ncarrier: Japan Post\ncustomer: {name: Emma}\n")
    code, out, _ = render(run_cli, kb_root, "--locale", "en", "--order", str(order))
    assert code == 0
    assert out == (
        "Hi Emma,\n\nYour order KS-1 is on its way with Japan Post.\nTracking number: EJ1JP.\n\n"
        "Kind regards,\nthe Kumo Supply team\n"
    )


def test_chat_prefers_the_chat_variant_and_has_no_greeting(kb_root: Path, run_cli: RunCLI) -> None:
    code, out, _ = render(run_cli, kb_root, "--locale", "en", "--channel", "chat", *VALUES)
    assert (code, out) == (0, "Order KS-1: tracking EJ1JP.\n")


def test_chat_in_a_locale_without_a_chat_variant_uses_its_own_body_not_another_language(
    kb_root: Path, run_cli: RunCLI
) -> None:
    code, out, err = render(run_cli, kb_root, "--locale", "de", "--channel", "chat", *VALUES)
    assert (code, err) == (0, "")
    assert out == "Ihre Bestellung KS-1 ist unterwegs.\nSendungsnummer: EJ1JP.\n"


def test_an_unknown_channel_is_a_usage_error(kb_root: Path, run_cli: RunCLI) -> None:
    code, _, err = render(run_cli, kb_root, "--locale", "en", "--channel", "sms", *VALUES)
    assert code == 2
    assert "sms" in err


# ---- locales and fallbacks -------------------------------------------------------------------


def test_a_fallback_reply_says_so_on_stderr(kb_root: Path, run_cli: RunCLI) -> None:
    code, out, err = render(run_cli, kb_root, "--locale", "de-AT", *VALUES)
    assert code == 0
    assert out.startswith("Guten Tag,\n\nIhre Bestellung KS-1")
    assert err == (
        "replykit: notice: no de_AT template for 'track-order': this reply is in de"
        " (fallback chain de_AT > de > en); check the language before sending.\n"
    )


def test_a_locale_without_templates_falls_back_to_the_source_locale(kb_root: Path, run_cli: RunCLI) -> None:
    code, out, err = render(run_cli, kb_root, "--locale", "ja", "--channel", "chat", *VALUES)
    assert code == 0
    assert out == "Order KS-1: tracking EJ1JP.\n"
    assert "this reply is in en (fallback chain ja > en)" in err


def test_traditional_chinese_never_falls_back_to_simplified(write_kb: WriteKB, run_cli: RunCLI) -> None:
    root = write_kb(
        {
            "kb/track-order.yaml": TRACK.replace("  de:", "  zh:").replace("wo ist meine Bestellung", "我的订单在哪里"),
            "templates/en/track-order.j2": "Order {{ order_id }} / {{ tracking_number }}\n",
            "templates/zh/track-order.j2": "订单 {{ order_id }} / {{ tracking_number }}\n",
        },
        config="source_locale: en\nlocales: [en, zh, zh_TW]\n",
    )
    code, out, err = render(run_cli, root, "--locale", "zh-TW", "--format", "json", *VALUES)
    assert code == 0
    data = json.loads(out)
    assert data["text"] == "Order KS-1 / EJ1JP\n"
    assert data["locale_used"] == "en"
    assert data["chain"] == ["zh_TW", "en"]
    assert "zh" not in data["chain"]
    assert "no zh_TW template for 'track-order': this reply is in en" in err
    simplified = render(run_cli, root, "--locale", "zh", *VALUES)
    assert simplified[1] == "订单 KS-1 / EJ1JP\n"


def test_json_output_has_text_locale_chain_and_variables(kb_root: Path, run_cli: RunCLI) -> None:
    args = ("--locale", "de_AT", "--format", "json", *VALUES, "--var", "eta=2026-12-03")
    code, out, err = render(run_cli, kb_root, *args)
    assert code == 0
    assert json.loads(out) == {
        "entry": "track-order",
        "text": "Guten Tag,\n\nIhre Bestellung KS-1 ist unterwegs.\nSendungsnummer: EJ1JP.\n"
        f"Voraussichtliche Zustellung: {DEC_3_DE}.\n\nMit freundlichen Grüßen\nIhr Kumo-Supply-Team\n",
        "locale_requested": "de_AT",
        "locale_used": "de",
        "fallback_used": True,
        "chain": ["de_AT", "de", "en"],
        "channel": "email",
        "timezone": "Europe/Berlin",
        "variables": {"order_id": "KS-1", "tracking_number": "EJ1JP", "eta": "2026-12-03"},
        "missing": [],
        "notice": "no de_AT template for 'track-order': this reply is in de (fallback chain de_AT > de > en); "
        "check the language before sending.",
        "notices": [
            "no de_AT template for 'track-order': this reply is in de (fallback chain de_AT > de > en); "
            "check the language before sending."
        ],
    }
    assert "notice" in err


def test_locale_data_is_merged_along_the_chain(kb_root: Path, run_cli: RunCLI, write_kb: WriteKB) -> None:
    write_kb(
        {
            "locales/de_AT.yaml": "timezone: Europe/Vienna\nteam_name: Ihr Team in Wien\n",
            "templates/de_AT/_greeting.j2": "Grüß Gott,\n",
        },
        config="source_locale: en\nlocales: [en, de, de_AT]\nfallbacks: {de_AT: [de]}\n",
    )
    code, out, err = render(run_cli, kb_root, "--locale", "de-AT", "--format", "json", *VALUES)
    assert code == 0
    assert "this reply is in de" in err  # the body is still the de one
    data = json.loads(out)
    assert data["text"].startswith("Grüß Gott,\n\nIhre Bestellung KS-1")
    assert data["text"].endswith("Mit freundlichen Grüßen\nIhr Team in Wien\n")
    assert data["timezone"] == "Europe/Vienna"


def test_an_invalid_locale_is_a_usage_error(kb_root: Path, run_cli: RunCLI) -> None:
    code, out, err = render(run_cli, kb_root, "--locale", "english!", *VALUES)
    assert (code, out) == (2, "")
    assert err.startswith("replykit: error: 'english!' is not a locale id")


def test_an_unknown_entry_suggests_a_close_id(kb_root: Path, run_cli: RunCLI) -> None:
    code, _, err = render(run_cli, kb_root, "--locale", "en", entry="track-ordr")
    assert code == 2
    assert "no entry 'track-ordr'" in err
    assert "did you mean track-order?" in err


# ---- time zones ------------------------------------------------------------------------------


ZONE_ENTRY = """
id: shipped
questions:
  en: ["when did it ship"]
variables:
  shipped_at: {type: datetime, required: true}
"""


@pytest.mark.parametrize(
    ("args", "order_zone", "shown_in"),
    [
        (("--tz", "Asia/Tokyo"), "America/Los_Angeles", "Asia/Tokyo"),  # --tz wins
        ((), "America/Los_Angeles", "America/Los_Angeles"),  # then the order's timezone
        ((), None, "America/New_York"),  # then the locale file's
    ],
)
def test_the_customer_time_zone_comes_from_tz_then_order_then_locale(
    write_kb: WriteKB, run_cli: RunCLI, args: tuple[str, ...], order_zone: str | None, shown_in: str
) -> None:
    moment = datetime(2026, 11, 22, 23, 30, tzinfo=UTC)
    expected = format_datetime(moment, "medium", tzinfo=ZoneInfo(shown_in), locale="en")
    root = write_kb(
        {
            "kb/shipped.yaml": ZONE_ENTRY,
            "templates/en/shipped.j2": "{{ shipped_at | datetime }}\n",
            "locales/en.yaml": "timezone: America/New_York\n",
        }
    )
    order = root / "order.yaml"
    order.write_text("shipped_at: 2026-11-22T23:30:00Z\n" + (f"timezone: {order_zone}\n" if order_zone else ""))
    code, out, err = render(run_cli, root, "--locale", "en", "--order", str(order), *args, entry="shipped")
    assert (code, err) == (0, "")
    assert out == expected + "\n"


def test_an_unknown_time_zone_is_a_usage_error(kb_root: Path, run_cli: RunCLI) -> None:
    code, _, err = render(run_cli, kb_root, "--locale", "en", "--tz", "Europe/Atlantis", *VALUES)
    assert code == 2
    assert err == (
        "replykit: error: time zone 'Europe/Atlantis' (--tz) is unknown: use an IANA name such as Asia/Tokyo"
        " or Europe/Berlin\n"
    )


# ---- missing values --------------------------------------------------------------------------


def test_missing_required_variables_exit_3_naming_all_of_them(kb_root: Path, run_cli: RunCLI) -> None:
    code, out, err = render(run_cli, kb_root, "--locale", "en", "--var", "carrier=DHL")
    assert (code, out) == (3, "")
    assert err == (
        "replykit: error: entry 'track-order' needs order_id, tracking_number: give them with --var NAME=VALUE"
        " or --order FILE, or use --allow-missing to render visible markers\n"
    )


def test_allow_missing_renders_visible_markers(kb_root: Path, run_cli: RunCLI) -> None:
    code, out, err = render(run_cli, kb_root, "--locale", "en", "--channel", "chat", "--allow-missing")
    assert code == 0
    assert out == "Order [order_id]: tracking [tracking_number].\n"
    assert err == (
        "replykit: warning: entry 'track-order' is missing [order_id], [tracking_number]: fill them in before sending\n"
    )


def test_markers_survive_filters(write_kb: WriteKB, run_cli: RunCLI) -> None:
    entry = ZONE_ENTRY + "  total: {type: money, required: true}\n  n: {type: int, required: true}\n"
    body = "{{ shipped_at | datetime }} {{ total | money }} {{ n | plural(one='# day', other='# days') }}\n"
    root = write_kb({"kb/shipped.yaml": entry, "templates/en/shipped.j2": body})
    code, out, _ = render(run_cli, root, "--locale", "en", "--allow-missing", "--format", "json", entry="shipped")
    assert code == 0
    data = json.loads(out)
    assert data["text"] == "[shipped_at] [total] [n] days\n"
    assert data["missing"] == ["shipped_at", "total", "n"]


def test_an_optional_variable_used_without_a_guard_is_an_error_not_an_empty_string(
    write_kb: WriteKB, run_cli: RunCLI
) -> None:
    root = write_kb(
        {"kb/track-order.yaml": TRACK, "templates/en/track-order.j2": "Order {{ order_id }}\nBy {{ eta | date }}\n"}
    )
    code, out, err = render(run_cli, root, "--locale", "en", *VALUES)
    assert (code, out) == (2, "")
    assert err.startswith("replykit: error: templates/en/track-order.j2:2: 'eta' is undefined: declare it")
    assert "{% if NAME is defined %}" in err


def test_a_template_syntax_error_names_file_and_line(write_kb: WriteKB, run_cli: RunCLI) -> None:
    root = write_kb({"kb/track-order.yaml": TRACK, "templates/en/track-order.j2": "Order {{ order_id }}\n{% if %}\n"})
    code, _, err = render(run_cli, root, "--locale", "en", *VALUES)
    assert code == 2
    assert err.startswith("replykit: error: templates/en/track-order.j2:2: template syntax error: ")


# ---- the sandbox -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "expression",
    [
        "{{ ''.__class__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ order_id.__class__.__base__ }}",
        "{{ cycler.__init__.__globals__ }}",
        "{{ joiner.__init__.__globals__['os'] }}",
        "{{ ''|attr('__class__') }}",
        "{{ locale.__class__ }}",
        "{% set items = [] %}{{ items.append(1) }}",
        "{{ customer.update(name='x') }}",
        "{{ 'x' * 100000000 }}",
        "{{ 2 ** 100000 }}",
        "{{ 9 ** 999 ** 999 }}",
    ],
)
def test_sandbox_escapes_are_refused_not_rendered(
    write_kb: WriteKB, run_cli: RunCLI, expression: str
) -> None:
    body = f"Order {{{{ order_id }}}}\n{expression}\n"
    root = write_kb({"kb/track-order.yaml": TRACK, "templates/en/track-order.j2": body})
    code, out, err = render(run_cli, root, "--locale", "en", *VALUES)
    assert (code, out) == (2, "")
    assert err.startswith("replykit: error: templates/en/track-order.j2:2: refused: ")
    assert "sandbox" in err
    assert err.count("\n") == 1


def test_a_runaway_loop_is_stopped_by_the_output_bound(write_kb: WriteKB, run_cli: RunCLI) -> None:
    body = "{% for i in range(99999) %}{% for j in range(99999) %}ab{% endfor %}{% endfor %}\n"
    root = write_kb({"kb/track-order.yaml": TRACK, "templates/en/track-order.j2": body})
    code, out, err = render(run_cli, root, "--locale", "en", *VALUES)
    assert (code, out) == (2, "")
    assert err == (
        "replykit: error: templates/en/track-order.j2: the reply grew past 100000 characters: a runaway loop?\n"
    )


def test_a_loop_without_output_is_stopped_by_the_time_bound(write_kb: WriteKB) -> None:
    body = "{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}{% endfor %}done\n"
    root = write_kb({"kb/track-order.yaml": TRACK, "templates/en/track-order.j2": body, "templates/en/ok.j2": "ok\n"})
    env = build_environment(load_kb(root), ("en",), max_render_seconds=0.2)
    with pytest.raises(RenderError, match=r"track-order\.j2:1: rendering took longer than 0\.2 s and was stopped"):
        render_template(env, "track-order.j2", {}, root=root)
    assert render_template(env, "ok.j2", {}, root=root) == "ok\n"  # no stray timeout left behind


def test_a_template_cannot_include_files_outside_the_templates(write_kb: WriteKB, run_cli: RunCLI) -> None:
    root = write_kb(
        {"kb/track-order.yaml": TRACK, "templates/en/track-order.j2": "{% include '../../replykit.yaml' %}\n"}
    )
    code, _, err = render(run_cli, root, "--locale", "en", *VALUES)
    assert code == 2
    assert "template '../../replykit.yaml' not found" in err


@pytest.mark.parametrize(
    "value",
    [
        "{{ 7*7 }}",
        "{% include '/etc/passwd' %}",
        "{{ ''.__class__.__mro__ }}",
        "{% raw %}{{ x }}{% endraw %}",
        "${7*7} #{7*7} %s %(name)s {0}",
    ],
)
def test_values_are_data_never_template_source(kb_root: Path, run_cli: RunCLI, value: str) -> None:
    code, out, err = render(
        run_cli, kb_root, "--locale", "en", "--channel", "chat",
        "--var", f"order_id={value}", "--var", "tracking_number=EJ1JP",
    )
    assert (code, err) == (0, "")
    assert out == f"Order {value}: tracking EJ1JP.\n"


def test_customer_text_from_the_order_is_data(kb_root: Path, run_cli: RunCLI) -> None:
    order = kb_root / "order.json"
    order.write_text(json.dumps({"order_id": "1", "tracking_number": "2", "customer": {"name": "{{ 7*7 }}"}}))
    code, out, _ = render(run_cli, kb_root, "--locale", "en", "--order", str(order))
    assert code == 0
    assert out.startswith("Hi {{ 7*7 }},\n")


# ---- whitespace and copy ---------------------------------------------------------------------


def test_template_logic_leaves_no_stray_blank_lines_and_one_final_newline(write_kb: WriteKB, run_cli: RunCLI) -> None:
    body = (
        "\n\nFirst line.   \n"
        "    {% if carrier is defined %}\n"
        "    With {{ carrier }}.\n"
        "    {% endif %}\n\n"
        "{% if eta is defined %}\n"
        "ETA {{ eta }}.\n"
        "{% endif %}\n\n"
        "Order {{ order_id }} / {{ tracking_number }}\n\n\n"
    )
    root = write_kb({"kb/track-order.yaml": TRACK, "templates/en/track-order.j2": body})
    code, out, _ = render(run_cli, root, "--locale", "en", *VALUES)
    assert (code, out) == (0, "First line.\n\nOrder KS-1 / EJ1JP\n")


def _fake_tool(folder: Path, name: str, sink: Path) -> None:
    script = folder / name
    script.write_text(f"#!/bin/sh\n'{shutil.which('cat')}' > '{sink}'\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)


@pytest.mark.skipif(os.name == "nt", reason="uses a shell script as the clipboard tool")
def test_copy_puts_the_reply_on_the_clipboard(kb_root: Path, run_cli: RunCLI, tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    sink = tmp_path / "clipboard.txt"
    _fake_tool(bin_dir, "xclip", sink)
    result = run_cli(
        "render", "track-order", "--kb", str(kb_root), "--locale", "en", "--channel", "chat", *VALUES, "--copy",
        env={"PATH": str(bin_dir), "DISPLAY": ":0", "WAYLAND_DISPLAY": ""},
    )
    assert result.exit_code == 0
    assert result.stdout == "Order KS-1: tracking EJ1JP.\n"
    assert result.stderr == "replykit: copied the reply to the clipboard (xclip)\n"
    assert sink.read_text() == "Order KS-1: tracking EJ1JP.\n"


def test_copy_says_when_there_is_no_clipboard(kb_root: Path, run_cli: RunCLI, tmp_path: Path) -> None:
    result = run_cli(
        "render", "track-order", "--kb", str(kb_root), "--locale", "en", "--channel", "chat", *VALUES, "--copy",
        env={"PATH": str(tmp_path), "DISPLAY": "", "WAYLAND_DISPLAY": ""},
    )
    assert result.exit_code == 0
    assert result.stdout == "Order KS-1: tracking EJ1JP.\n"
    assert result.stderr.startswith("replykit: not copied: no clipboard tool found")


# ---- the library API and the sample order ----------------------------------------------------


def test_render_reply_from_python(kb_root: Path) -> None:
    kb = load_kb(kb_root)
    values = parse_values(kb.entries["track-order"], order_file=None, var_args=["order_id=7", "tracking_number=T"])
    reply = render_reply(kb, "track-order", "de", values, channel="chat", now=datetime(2026, 1, 1, tzinfo=UTC))
    assert reply.text == "Ihre Bestellung 7 ist unterwegs.\nSendungsnummer: T.\n"
    assert (reply.locale_used, reply.chain, reply.fallback_used, reply.missing) == ("de", ("de", "en"), False, ())
    assert reply.variables_used == {"order_id": "7", "tracking_number": "T"}
    with pytest.raises(MissingVariablesError) as caught:
        render_reply(kb, "track-order", "de", {})
    assert caught.value.missing == ("order_id", "tracking_number")
    assert caught.value.exit_code == 3


def test_the_sample_order_renders_the_track_order_reply(write_kb: WriteKB, run_cli: RunCLI) -> None:
    root = write_kb(FILES)
    code, out, err = render(run_cli, root, "--locale", "de", "--order", str(REPO / "examples" / "order.yaml"))
    assert (code, err) == (0, "")
    assert "Ihre Bestellung KS-2026-10482 ist unterwegs mit Japan Post." in out
    assert f"Voraussichtliche Zustellung: {DEC_3_DE}." in out


def test_a_regional_portuguese_request_walks_parent_language_then_source(write_kb: WriteKB, run_cli: RunCLI) -> None:
    root = write_kb(
        {
            "kb/track-order.yaml": TRACK.replace("  de: [\"wo ist meine Bestellung\"]", "  pt: [\"cadê meu pedido\"]"),
            "templates/en/track-order.j2": "Order {{ order_id }} / {{ tracking_number }}\n",
            "templates/pt/track-order.j2": "Pedido {{ order_id }} / {{ tracking_number }}\n",
        },
        config="source_locale: en\nlocales: [en, pt, pt_BR]\n",
    )
    code, out, err = render(run_cli, root, "--locale", "pt-BR", "--format", "json", *VALUES)
    assert code == 0
    data = json.loads(out)
    assert (data["text"], data["chain"], data["locale_used"]) == ("Pedido KS-1 / EJ1JP\n", ["pt_BR", "pt", "en"], "pt")
    assert "this reply is in pt" in err


def test_templates_see_now_in_the_customer_time_zone(write_kb: WriteKB) -> None:
    root = write_kb({"kb/shipped.yaml": ZONE_ENTRY, "templates/ja/shipped.j2": "{{ now | date('long') }}\n",
                     "templates/en/shipped.j2": "{{ now | date('long') }}\n"})
    kb = load_kb(root)
    values = {"shipped_at": datetime(2026, 11, 22, 23, 30, tzinfo=UTC)}
    moment = datetime(2026, 11, 22, 23, 30, tzinfo=UTC)
    tokyo_day = format_date(date(2026, 11, 23), "long", locale="ja")  # already the 23rd in Tokyo
    assert render_reply(kb, "shipped", "ja", values, tz="Asia/Tokyo", now=moment).text == tokyo_day + "\n"
    utc_day = format_date(date(2026, 11, 22), "long", locale="en")
    assert render_reply(kb, "shipped", "en", values, tz="UTC", now=moment).text == utc_day + "\n"


@pytest.mark.parametrize("name", ["locale", "order", "now"])
def test_var_cannot_replace_what_replykit_gives_every_template(kb_root: Path, run_cli: RunCLI, name: str) -> None:
    code, _, err = render(run_cli, kb_root, "--locale", "en", *VALUES, "--var", f"{name}=x")
    assert code == 2
    assert err == f"replykit: error: --var {name}: '{name}' is given to every template by replykit; it cannot be set\n"
