"""`replykit render`: the finished, localized reply for an entry, ready to paste."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Annotated, Any

import typer

from replykit.cli.app import KBOption, OrderOption, VarOption, app, open_kb, user_errors
from replykit.cli.completion import complete_entry, complete_locale
from replykit.printable import printable


class ChannelChoice(StrEnum):
    email = "email"
    chat = "chat"


class OutputFormat(StrEnum):
    text = "text"
    json = "json"


def _note(message: str) -> None:
    typer.echo(f"replykit: {message}", err=True)


@app.command()
@user_errors
def render(
    entries: Annotated[
        list[str],
        typer.Argument(
            help="Entry id, such as track-order; several ids compose one reply (one greeting, the bodies in order).",
            metavar="ENTRY...", show_default=False, autocompletion=complete_entry,
        ),
    ],
    locale: Annotated[
        str,
        typer.Option(
            "--locale", "-l", metavar="LOCALE", help="Reply locale, BCP 47 or Babel id (de, pt-BR, zh_TW).",
            show_default=False, autocompletion=complete_locale,
        ),
    ],
    var: VarOption = None,
    order: OrderOption = None,
    tz: Annotated[
        str | None,
        typer.Option(
            "--tz", metavar="ZONE",
            help="Customer's time zone (IANA, e.g. Asia/Tokyo). Default: the order's, else the locale's.",
            show_default=False,
        ),
    ] = None,
    channel: Annotated[
        ChannelChoice, typer.Option("--channel", help="email adds greeting and sign-off; chat is the body alone.")
    ] = ChannelChoice.email,
    allow_missing: Annotated[
        bool, typer.Option("--allow-missing", help="Render [name] markers for missing required variables.")
    ] = False,
    copy: Annotated[bool, typer.Option("--copy", help="Also put the reply on the clipboard.")] = False,
    output_format: Annotated[OutputFormat, typer.Option("--format", help="text, or json with details.")] = (
        OutputFormat.text
    ),
    kb: KBOption = None,
) -> None:
    """Render an entry's reply in a locale from order data. Exit 2 on bad values, 3 on missing variables.

    Several entries (``replykit render cancel-order change-address``) make one reply that answers
    each question in turn.
    """
    from replykit.orders import render_values
    from replykit.rendering import compose_replies

    loaded = open_kb(kb, templates_read_when_rendered=True)
    found = [loaded.entries[entry] for entry in entries if entry in loaded.entries]
    values: dict[str, Any] = {}
    if len(found) == len(entries):  # an unknown entry is reported by compose_replies, with suggestions
        values = render_values(loaded, found, locale, order_file=order, var_args=var or [])
    reply = compose_replies(
        loaded, entries, locale, values, channel=channel.value, allow_missing=allow_missing, tz=tz
    )
    for notice in reply.notices:
        _note(f"notice: {notice}")
    if reply.missing:
        shown = ", ".join(f"[{name}]" for name in reply.missing)
        _note(f"warning: entry '{reply.entry_id}' is missing {shown}: fill them in before sending")

    if output_format is OutputFormat.json:
        typer.echo(json.dumps(reply.as_json(), ensure_ascii=False, indent=2))
    else:
        typer.echo(printable(reply.text, keep_lines=True), nl=False)  # a customer's name may hold escapes

    if copy:
        from replykit.clipboard import ClipboardUnavailableError, copy_to_clipboard

        try:
            tool = copy_to_clipboard(reply.text)
        except ClipboardUnavailableError as e:
            _note(f"not copied: {e}")
        else:
            _note(f"copied the reply to the clipboard ({tool})")

