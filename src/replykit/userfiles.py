"""Files written for people: KB files, exports, reports. Atomic, with the permissions a user expects.

``kb.loader.write_atomic`` writes through ``tempfile.mkstemp``, whose file is private (0600): right
for cache files, wrong for a KB, an export or a report that a team shares, a web server serves or
another account (CI, a container) reads. A file replykit writes for people keeps the mode it had,
or gets the mode any editor would give it (0666 less the umask, 0644 usually).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from replykit.errors import UserError
from replykit.kb.loader import WriteFailedError, write_atomic


class OutputIsFolderError(UserError):
    """The path to write names a folder (``-o reports/``): the generic write error would blame the disk."""


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


class OutputFolderMissingError(UserError):
    """``-o reprots/x.html``: a typo in a folder name must not quietly create a new folder."""


def write_output_file(path: Path, data: bytes) -> None:
    """:func:`write_user_file` for a path the user typed (``-o FILE``): its folder must exist."""
    if not path.parent.is_dir():
        raise OutputFolderMissingError(f"{path.parent}: no such folder: create it first, or write somewhere else")
    write_user_file(path, data)


def write_user_file(path: Path, data: bytes) -> None:
    """Write ``path`` atomically; keep its permissions, or give a new file the umask's."""
    if path.is_dir():
        raise OutputIsFolderError(f"{path}: is a folder, not a file: name the file to write in it")
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        mode = 0o666 & ~_umask()
    except OSError as e:
        raise WriteFailedError(path, e) from e
    write_atomic(path, data, mode=mode, durable=True)
