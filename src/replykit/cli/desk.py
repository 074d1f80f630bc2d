"""`replykit desk`: paste a message, see the entries and the reply, pick, fill, copy; then the next one."""

from __future__ import annotations

import sys
import threading
from typing import Annotated

import typer

from replykit.cli.app import KBOption, app, open_kb, user_errors
from replykit.cli.completion import complete_locale
from replykit.cli.replyopts import Channel, ChannelOption, TZOption, UsageLogOption
from replykit.errors import UserError


@app.command()
@user_errors
def desk(
    locale: Annotated[
        str | None,
        typer.Option("--locale", "-l", metavar="LOCALE", help="Answer in this locale; skips language detection.",
                     show_default=False, autocompletion=complete_locale),
    ] = None,
    channel: ChannelOption = Channel.email,
    tz: TZOption = None,
    usage_log: UsageLogOption = None,
    kb: KBOption = None,
) -> None:
    """An interactive desk in the terminal, kept loaded all day: one key to take another entry, fill a value,
    switch e-mail/chat, copy, or edit the reply in $EDITOR.

    Exit 0 on quit (q, Ctrl-D), 2 when not on a terminal or the KB is unusable.
    """
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise UserError("replykit desk needs a terminal: for scripts use `replykit suggest` (it reads stdin)")
    from replykit.desk import Desk
    from replykit.desk.present import console_for
    from replykit.desk.terminal import TerminalDesk
    from replykit.usagelog import UsageLog

    loaded = open_kb(kb)
    log = UsageLog.from_kb(loaded, usage_log)
    answers = Desk(loaded)
    threading.Thread(target=answers.warm_up, name="replykit-warm-up", daemon=True).start()
    TerminalDesk(answers, console=console_for(), locale=locale, channel=channel.value, tz=tz, usage_log=log).run()
