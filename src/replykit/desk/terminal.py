"""``replykit desk``: the answer loop in a terminal, all day, with the KB kept loaded.

prompt_toolkit reads the pasted message (several lines; bracketed paste keeps an e-mail whole) and
the one-key actions; rich draws the ranked entries and the reply, measuring East Asian widths and
fitting the terminal. The desk never exits on a user mistake: it says what is wrong and waits.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from prompt_toolkit import PromptSession
from prompt_toolkit.application import Application
from prompt_toolkit.completion import WordCompleter
from prompt_toolkit.formatted_text import HTML
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
from prompt_toolkit.layout import FormattedTextControl, Layout, Window
from rich.console import Console
from rich.text import Text

from replykit.desk.answering import Answer, Desk
from replykit.desk.present import answer_renderables, said
from replykit.errors import UserError
from replykit.printable import printable

if TYPE_CHECKING:
    from replykit.usagelog import UsageLog

ACTIONS = "[1-9] take entry  [v] edit a value  [c] e-mail/chat  [y] copy  [e] $EDITOR  [n] next message  [q] quit"
QUIT = "q"


@dataclass
class DeskState:
    """The message on the desk and what the agent chose for it."""

    text: str
    pick: int = 1
    channel: str = "email"
    values: dict[str, Any] = field(default_factory=dict)
    edited: str | None = None  # the reply as the agent changed it in $EDITOR
    answer: Answer | None = None

    @property
    def reply_text(self) -> str | None:
        if self.edited is not None:
            return self.edited
        reply = self.answer.reply if self.answer is not None else None
        return reply.text if reply is not None else None


def _message_bindings() -> KeyBindings:
    """Enter adds a line; two empty lines, Alt+Enter or Ctrl-D send the message; Ctrl-D on nothing quits."""
    bindings = KeyBindings()

    @bindings.add("enter")
    def _(event: KeyPressEvent) -> None:
        buffer = event.current_buffer
        before = buffer.document.text_before_cursor
        if buffer.document.is_cursor_at_the_end and before.endswith("\n\n") and before.strip():
            buffer.text = before.rstrip("\n")
            buffer.validate_and_handle()
        else:
            buffer.insert_text("\n")

    @bindings.add("escape", "enter")
    def _(event: KeyPressEvent) -> None:
        event.current_buffer.validate_and_handle()

    @bindings.add("c-d")
    def _(event: KeyPressEvent) -> None:
        buffer = event.current_buffer
        if buffer.text.strip():
            buffer.validate_and_handle()
        else:
            event.app.exit(result=None)

    return bindings


def read_key(prompt: str, keys: str) -> str:
    """Wait for one of ``keys`` (no Enter needed); Ctrl-C and Ctrl-D quit."""
    bindings = KeyBindings()

    def choose(key: str) -> Callable[[KeyPressEvent], None]:
        def handler(event: KeyPressEvent) -> None:
            event.app.exit(result=key)

        return handler

    for key in keys:
        bindings.add(key)(choose(key))
    for quit_key in ("c-c", "c-d"):
        bindings.add(quit_key)(choose(QUIT))
    application: Application[str] = Application(
        layout=Layout(Window(FormattedTextControl(HTML(prompt)), height=1)),
        key_bindings=bindings,
        full_screen=False,
        erase_when_done=True,
    )
    return application.run()


class TerminalDesk:
    """The interactive loop: message, entries and reply, one-key actions, next message."""

    def __init__(
        self, desk: Desk, *, console: Console, locale: str | None = None, channel: str = "email",
        tz: str | None = None, usage_log: UsageLog | None = None,
    ) -> None:
        self.desk = desk
        self.console = console
        self.locale = locale
        self.channel = channel
        self.tz = tz
        self.usage_log = usage_log
        self.messages: PromptSession[str] = PromptSession(multiline=True, key_bindings=_message_bindings())
        self.inputs: PromptSession[str] = PromptSession()

    def run(self) -> None:
        self.console.print(
            f"[bold]replykit desk[/] · {len(self.desk.kb.entries)} entries · {', '.join(self.desk.kb.locales)}\n"
            "Paste the customer's message; send it with two empty lines, Alt+Enter or Ctrl-D"
            " (Ctrl-D on an empty message quits).",
            highlight=False,
        )
        while True:
            text = self.messages.prompt(HTML("<b>message&gt;</b> "), prompt_continuation="  ")
            if text is None:
                return
            if not text.strip():
                continue
            if not self.work_on(DeskState(text.strip(), channel=self.channel)):
                return

    def work_on(self, state: DeskState) -> bool:
        """Answer one message and take actions until the agent moves on; False when they quit."""
        self.refresh(state)
        while True:
            matches = state.answer.suggestion.matches if state.answer is not None else ()
            digits = "".join(str(n) for n in range(1, min(len(matches), 9) + 1))
            key = read_key(f"<i>{ACTIONS}</i>", digits + "vcyenq")
            if key == QUIT:
                return False
            if key == "n":
                return True
            if key.isdigit():
                state.pick, state.values, state.edited = int(key), {}, None
            elif key == "v":
                self.edit_value(state)
            elif key == "c":
                state.channel = "chat" if state.channel == "email" else "email"
                state.edited = None
            elif key == "y":
                self.copy(state)
                continue
            elif key == "e":
                self.open_editor(state)
                continue
            self.refresh(state)

    def refresh(self, state: DeskState) -> None:
        try:
            state.answer = self.desk.answer(
                state.text, locale=self.locale, top=5, pick=state.pick, channel=state.channel, tz=self.tz,
                values=state.values or None,
            )
        except UserError as e:
            self.console.print(said("error:", str(e), "red"))
            state.values = {}
            return
        if self.usage_log is not None:
            self.usage_log.record_answer(state.answer, source="desk")
        for renderable in answer_renderables(state.answer, self.console):
            self.console.print(renderable)

    def edit_value(self, state: DeskState) -> None:
        answer = state.answer
        entry_id = answer.entry_id if answer is not None else None
        if entry_id is None:
            self.console.print("[yellow]no entry picked: there is no value to fill[/]")
            return
        entry = self.desk.kb.entries[entry_id]
        names = list(entry.variables)
        if not names:
            self.console.print(f"[yellow]{entry_id} has no variables[/]")
            return
        shown: Mapping[str, Any] = answer.reply_json()["values"] if answer and answer.reply else {}  # type: ignore[index]
        missing = answer.reply.missing if answer and answer.reply else ()
        first = next((n for n in names if n in missing), names[0])
        name = self.inputs.prompt(
            f"value name ({', '.join(names)}): ", completer=WordCompleter(names), default=first
        ).strip()
        if name not in entry.variables:
            wrong = f"{entry_id} has no variable '{name}': use one of {', '.join(names)}"
            self.console.print(said("error:", wrong, "red"))
            return
        variable = entry.variables[name]
        current = state.values.get(name, shown.get(name, ""))
        if isinstance(current, list):
            current = "; ".join(current)
        hint = " (items separated by ;)" if variable.type == "list" else f" ({variable.type})"
        state.values[name] = self.inputs.prompt(f"{name}{hint}: ", default=str(current or "")).strip()
        state.edited = None

    def copy(self, state: DeskState) -> None:
        text = state.reply_text
        if text is None:
            self.console.print("[yellow]no reply to copy[/]")
            return
        from replykit.clipboard import ClipboardUnavailableError, copy_to_clipboard

        try:
            tool = copy_to_clipboard(text)
        except ClipboardUnavailableError as e:
            self.console.print(said("not copied:", str(e), "yellow"))
            return
        self.console.print(f"[green]copied the reply ({tool})[/]", highlight=False)
        if self.usage_log is not None and state.answer is not None:
            reply = state.answer.reply
            self.usage_log.record_sent(
                asked=state.text, entry=reply.entry_id if reply else None, locale=reply.locale_used if reply else None,
                text=text, source="desk",
            )

    def open_editor(self, state: DeskState) -> None:
        text = state.reply_text
        if text is None:
            self.console.print("[yellow]no reply to edit[/]")
            return
        import click

        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
        try:
            edited = click.edit(text, editor=editor, extension=".txt", require_save=True)
        except click.ClickException as e:
            self.console.print(said("error:", f"{e.format_message()}: set $EDITOR to your editor", "red"))
            return
        if edited is None:
            self.console.print("[yellow]unchanged[/]")
            return
        state.edited = edited
        self.console.rule("edited reply")
        self.console.print(Text(printable(edited.rstrip("\n"), keep_lines=True)))
        self.console.rule()


__all__ = ["TerminalDesk", "read_key"]
