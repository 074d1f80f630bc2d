"""Put a reply on the system clipboard with the tool the system has (``render --copy``).

Agents paste replies into marketplace message boxes; copying saves a select-all that can miss
a line. There is no portable clipboard API, so replykit calls the usual command-line tools and
says plainly when none is there.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class ClipboardTool:
    """A command that reads the text to copy on its standard input."""

    name: str
    command: tuple[str, ...]
    encoding: str = "utf-8"


#: In order of preference; each applies only where its display system is in use.
_TOOLS: Sequence[tuple[ClipboardTool, str | None]] = (
    (ClipboardTool("pbcopy", ("pbcopy",)), "darwin"),
    (ClipboardTool("wl-copy", ("wl-copy",)), "WAYLAND_DISPLAY"),
    (ClipboardTool("xclip", ("xclip", "-selection", "clipboard")), "DISPLAY"),
    (ClipboardTool("xsel", ("xsel", "--clipboard", "--input")), "DISPLAY"),
    # Windows and WSL: clip.exe reads UTF-16 with a byte-order mark as Unicode.
    (ClipboardTool("clip.exe", ("clip.exe",), "utf-16"), None),
    (ClipboardTool("clip", ("clip",), "utf-16"), "win32"),
)


class ClipboardUnavailableError(Exception):
    """No clipboard tool on this system, or the one found failed."""


def find_clipboard_tool(env: Mapping[str, str] | None = None) -> ClipboardTool | None:
    """The first tool that is installed and whose display system is in use."""
    environ = os.environ if env is None else env
    for tool, needs in _TOOLS:
        if needs in ("darwin", "win32"):
            if sys.platform != needs:
                continue
        elif needs is not None and not environ.get(needs):
            continue
        path = shutil.which(tool.command[0], path=environ.get("PATH"))
        if path is not None:
            return ClipboardTool(tool.name, (path, *tool.command[1:]), tool.encoding)
    return None


def copy_to_clipboard(text: str) -> str:
    """Copy ``text``; return the tool's name, or raise ClipboardUnavailableError saying why not."""
    tool = find_clipboard_tool()
    if tool is None:
        raise ClipboardUnavailableError(
            "no clipboard tool found (pbcopy, wl-copy, xclip, xsel or clip.exe); copy the reply from the output"
        )
    try:
        # xclip and wl-copy stay in the background to serve the clipboard: no pipes for them to hold open
        subprocess.run(
            tool.command,
            input=text.encode(tool.encoding),
            check=True,
            timeout=5,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError) as e:
        raise ClipboardUnavailableError(f"{tool.name} could not copy the reply ({e}); copy it from the output") from e
    return tool.name
