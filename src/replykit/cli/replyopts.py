"""Options of the commands that hand the agent a finished reply (suggest, desk): channel, time zone, copy."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer


class Channel(StrEnum):
    email = "email"
    chat = "chat"


ChannelOption = Annotated[
    Channel, typer.Option("--channel", help="email adds greeting and sign-off; chat is the body alone.")
]
TZOption = Annotated[
    str | None,
    typer.Option(
        "--tz", metavar="ZONE",
        help="Customer's time zone (IANA, e.g. Asia/Tokyo). Default: the order's, else the locale's.",
        show_default=False,
    ),
]
UsageLogOption = Annotated[
    Path | None,
    typer.Option("--usage-log", metavar="FILE", help="Log questions and sent replies to FILE (JSONL, masked).",
                 show_default=False),
]
CopyOption = Annotated[bool, typer.Option("--copy", help="Also put the reply on the clipboard.")]
PickOption = Annotated[
    int, typer.Option("--pick", min=1, metavar="N", help="Render the N-th entry instead of the best one.")
]


def copy_reply(text: str) -> None:
    """Copy the reply and say so on stderr; no clipboard is a note, not a failure (the text is printed)."""
    from replykit.clipboard import ClipboardUnavailableError, copy_to_clipboard

    try:
        tool = copy_to_clipboard(text)
    except ClipboardUnavailableError as e:
        typer.echo(f"replykit: not copied: {e}", err=True)
    else:
        typer.echo(f"replykit: copied the reply to the clipboard ({tool})", err=True)
