"""The on-disk cache as users meet it: planted files never run, damage is rebuilt, versions and
edits invalidate, several processes start at once, and no cache folder at all still works.

Each run is a real ``replykit`` process (a cache is what one process leaves for the next).
"""

from __future__ import annotations

import os
import pickle
import shutil
import subprocess
import sys
import textwrap
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from replykit.kb.loader import RACY_SECONDS
from tests.conftest import DEFAULT_CONFIG, WriteKB
from tests.suggest_kb import FILES

REPLYKIT = str(Path(sys.executable).with_name("replykit"))
QUESTION = ("suggest", "--var", "order_id=A-1", "where is my parcel")
REPLY = "Your order A-1 is on its way."
CORRUPT = bytes.fromhex("80 04 95 ff ff ff ff ff ff 00 00")


def replykit(
    *args: str, cache: Path | None, env: Mapping[str, str] | None = None, **kwargs: object
) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k not in ("REPLYKIT_CACHE_DIR", "XDG_CACHE_HOME")}
    if cache is not None:
        environ["REPLYKIT_CACHE_DIR"] = str(cache)
    environ.update(env or {})
    return subprocess.run(  # type: ignore[call-overload, no-any-return]
        [REPLYKIT, *args], capture_output=True, text=True, env=environ, timeout=120, check=False, **kwargs
    )


def private_folder(path: Path) -> Path:
    path.mkdir(mode=0o700)
    return path


def cache_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.name not in ("pruned.stamp",))


class Payload:
    """A pickle that, if anything unpickled it, would create ``marker``."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str, ...]]:
        return (os.system, (f"touch {self.marker}",))


def plant(folder: Path, names: list[str], marker: Path) -> None:
    """Every cache file replykit would read, and the old pickle names, hold the payload."""
    bomb = pickle.dumps(Payload(marker))
    for name in [*names, "chains-2.19.0.pickle", "kb-x.pickle", "index-6-x.pickle", "templates/x.cache"]:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(bomb)


@dataclass(frozen=True)
class Learned:
    """A KB old enough for the manifest to trust, the cache files one run writes, and its answer."""

    root: Path
    cache: Path
    names: list[str]
    answer: str


@pytest.fixture(scope="module")
def learned(tmp_path_factory: pytest.TempPathFactory) -> Learned:
    base = tmp_path_factory.mktemp("learned")
    root = base / "kb"
    for rel, text in {**FILES, "replykit.yaml": DEFAULT_CONFIG}.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    time.sleep(RACY_SECONDS + 0.5)  # files this fresh are re-read by every run, never recorded
    folder = private_folder(base / "cache")
    first = replykit(*QUESTION, "--kb", str(root), cache=folder)
    assert first.returncode == 0, first.stderr
    assert REPLY in first.stdout
    names = [p.relative_to(folder).as_posix() for p in cache_files(folder)]
    kinds = {name.split("/")[0].split("-")[0] for name in names}
    assert kinds >= {"chains", "index", "kb", "langid", "manifest", "templates"}, names
    return Learned(root, folder, names, first.stdout)


def test_a_planted_pickle_in_a_folder_others_can_write_is_refused_and_never_runs(
    learned: Learned, tmp_path: Path
) -> None:
    root, names, answer = learned.root, learned.names, learned.answer
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)  # a CI runner's /tmp/something, a team share
    marker = tmp_path / "code-ran"
    plant(shared, names, marker)
    result = replykit(*QUESTION, "--kb", str(root), cache=shared)
    assert result.returncode == 0, result.stderr
    assert result.stdout == answer
    assert not marker.exists()
    assert result.stderr.splitlines() == [
        f"replykit: warning: {shared}: cache folder refused, other users can write to it ($REPLYKIT_CACHE_DIR):"
        " working without a cache; use a folder only you can write to"
    ]


def test_a_folder_owned_by_another_user_is_refused(learned: Learned, tmp_path: Path) -> None:
    root, names, answer = learned.root, learned.names, learned.answer
    marker = tmp_path / "code-ran"
    if os.geteuid() == 0:  # root can hand a folder to someone else; any other user meets one as /
        foreign = private_folder(tmp_path / "foreign")
        plant(foreign, names, marker)
        os.chown(foreign, 65534, 65534)
        owner = 65534
    else:
        foreign, owner = Path("/"), os.stat("/").st_uid
    result = replykit(*QUESTION, "--kb", str(root), cache=foreign)
    assert result.returncode == 0, result.stderr
    assert result.stdout == answer
    assert not marker.exists()
    assert f"cache folder refused, it belongs to another user (uid {owner})" in result.stderr


def test_planted_pickles_in_the_users_own_folder_are_just_damaged_files(learned: Learned, tmp_path: Path) -> None:
    root, names, answer = learned.root, learned.names, learned.answer
    own = private_folder(tmp_path / "own")
    marker = tmp_path / "code-ran"
    plant(own, names, marker)
    result = replykit(*QUESTION, "--kb", str(root), cache=own)
    assert (result.returncode, result.stdout, result.stderr) == (0, answer, "")
    assert not marker.exists()
    rebuilt = [name for name in names if (own / name).read_bytes() != pickle.dumps(Payload(marker))]
    assert rebuilt == names


def test_corrupt_and_truncated_cache_files_are_rebuilt(learned: Learned, tmp_path: Path) -> None:
    root, names, answer = learned.root, learned.names, learned.answer
    damaged = private_folder(tmp_path / "damaged")
    for i, name in enumerate(names):
        good = (learned.cache / name).read_bytes()
        (damaged / name).parent.mkdir(parents=True, exist_ok=True)
        # the 11 bytes of the report, a truncated file, and an empty one, in turn
        (damaged / name).write_bytes((CORRUPT, good[: len(good) // 2], b"")[i % 3])
    for _ in range(2):  # the first run rebuilds, the second reads what it wrote
        result = replykit(*QUESTION, "--kb", str(root), cache=damaged)
        assert (result.returncode, result.stdout, result.stderr) == (0, answer, "")
    assert all((damaged / name).read_bytes() == (learned.cache / name).read_bytes() for name in names if "kb-" in name)


def test_another_dependency_version_gets_its_own_cache_files(learned: Learned, tmp_path: Path) -> None:
    root, names, answer = learned.root, learned.names, learned.answer
    folder = private_folder(tmp_path / "cache")
    for name in names:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(learned.cache / name, folder / name)
    upgraded = tmp_path / "site"  # a newer Babel installed ahead of the current one
    (upgraded / "Babel-99.0.dist-info").mkdir(parents=True)
    (upgraded / "Babel-99.0.dist-info" / "METADATA").write_text("Name: Babel\nVersion: 99.0\n", encoding="utf-8")
    result = replykit(*QUESTION, "--kb", str(root), cache=folder, env={"PYTHONPATH": str(upgraded)})
    assert (result.returncode, result.stdout) == (0, answer), result.stderr
    after = [p.relative_to(folder).as_posix() for p in cache_files(folder)]
    new = sorted(set(after) - set(names))
    # The KB (whose locale ids Babel decides) and the chains were stored again; the index was not.
    assert [name.split("-")[0] for name in new] == ["chains", "kb"]


def test_concurrent_cold_starts_agree_and_leave_a_sound_cache(write_kb: WriteKB, tmp_path: Path) -> None:
    root = write_kb(FILES)
    folder = private_folder(tmp_path / "cold")
    environ = {k: v for k, v in os.environ.items() if k != "XDG_CACHE_HOME"}
    environ["REPLYKIT_CACHE_DIR"] = str(folder)
    runs = [
        subprocess.Popen(
            [REPLYKIT, *QUESTION, "--kb", str(root)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env=environ,
        )
        for _ in range(6)
    ]
    outcomes = [(run.wait(timeout=120), *run.communicate()) for run in runs]
    assert {code for code, _, _ in outcomes} == {0}
    assert {err for _, _, err in outcomes} == {""}
    assert len({out for _, out, _ in outcomes}) == 1
    assert not [p for p in folder.rglob("*.tmp")]  # no temp file left behind
    again = replykit(*QUESTION, "--kb", str(root), cache=folder)
    assert (again.returncode, again.stdout, again.stderr) == (0, outcomes[0][1], "")


def test_an_unwritable_cache_folder_costs_one_warning(write_kb: WriteKB, tmp_path: Path) -> None:
    root = write_kb(FILES)
    nowhere = Path(os.devnull) / "replykit"
    result = replykit(*QUESTION, "--kb", str(root), cache=nowhere)
    assert result.returncode == 0
    assert REPLY in result.stdout
    assert result.stderr.splitlines() == [
        f"replykit: warning: {nowhere}: cannot create the cache folder (Not a directory): working without a cache"
    ]


def test_no_home_folder_works_without_a_cache(write_kb: WriteKB, tmp_path: Path) -> None:
    """A container user without a passwd entry and without $HOME: the cache is optional."""
    root = write_kb(FILES)
    container = tmp_path / "container"  # the user database of such a container: no entry for us
    container.mkdir()
    (container / "sitecustomize.py").write_text(
        "import pwd\n\n\ndef _no_entry(uid):\n    raise KeyError(f'getpwuid(): uid not found: {uid}')\n\n\n"
        "pwd.getpwuid = _no_entry\n",
        encoding="utf-8",
    )
    environ = {k: v for k, v in os.environ.items() if k not in ("HOME", "XDG_CACHE_HOME", "REPLYKIT_CACHE_DIR")}
    environ["PYTHONPATH"] = str(container)
    result = subprocess.run(
        [REPLYKIT, *QUESTION, "--kb", str(root)], capture_output=True, text=True, env=environ, timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert REPLY in result.stdout
    assert result.stderr.splitlines() == [
        "replykit: warning: no cache folder (no home folder): working without a cache;"
        " set REPLYKIT_CACHE_DIR to speed up"
    ]


def test_an_edit_that_keeps_size_and_mtime_is_seen(write_kb: WriteKB, tmp_path: Path) -> None:
    """``cp -p`` (like ``rsync -a``) copies the modification time: only ctime (and inode) tell."""
    root = write_kb(FILES)
    folder = private_folder(tmp_path / "cache")
    template = root / "templates/en/track-order.j2"
    old = template.read_text(encoding="utf-8")
    new = old.replace("is on its way", "is in transit")
    new = new + " " * (len(old.encode()) - len(new.encode()))  # the same size
    assert len(new.encode()) == len(old.encode())
    edited = tmp_path / "edited.j2"
    edited.write_text(new, encoding="utf-8")
    stamp = time.time() - 3600
    for path in (template, edited):
        os.utime(path, (stamp, stamp))
    time.sleep(RACY_SECONDS + 0.5)  # older than the racy window: the cache trusts the recorded stat from now on
    first = replykit(*QUESTION, "--kb", str(root), cache=folder)
    assert "is on its way" in first.stdout, first.stdout
    subprocess.run(["cp", "-p", str(edited), str(template)], check=True)
    assert template.stat().st_mtime == stamp and template.stat().st_size == len(old.encode())
    second = replykit(*QUESTION, "--kb", str(root), cache=folder)
    assert "is in transit" in second.stdout, second.stdout


def test_a_template_edit_keeps_the_search_index(write_kb: WriteKB, tmp_path: Path) -> None:
    root = write_kb(FILES)
    folder = private_folder(tmp_path / "cache")
    assert REPLY in replykit(*QUESTION, "--kb", str(root), cache=folder).stdout
    index = sorted(folder.glob("index-*"))
    (root / "templates/en/track-order.j2").write_text("Order {{ order_id }} is in transit.\n", encoding="utf-8")
    again = replykit(*QUESTION, "--kb", str(root), cache=folder)
    assert "Order A-1 is in transit." in again.stdout
    assert sorted(folder.glob("index-*")) == index and len(index) == 1
    assert len(list(folder.glob("kb-*"))) == 2
    (root / "kb/track-order.yaml").write_text(
        (root / "kb/track-order.yaml").read_text(encoding="utf-8").replace("Where is my order?", "Where is it?"),
        encoding="utf-8",
    )
    assert replykit(*QUESTION, "--kb", str(root), cache=folder).returncode == 0
    assert len(list(folder.glob("index-*"))) == 2  # an entry edit does rebuild it


def test_old_pickles_and_long_unused_cache_files_are_pruned_and_nothing_else(write_kb: WriteKB, tmp_path: Path) -> None:
    root = write_kb(FILES)
    folder = private_folder(tmp_path / "cache")
    month_ago = time.time() - 40 * 86400
    planted = {
        "chains-2.19.0.pickle": True,  # replykit before the cache module: deleted whatever its age
        "index-6-0123abcd.pickle": True,
        "kb-0123abcd-0123456789ab.bundle": True,  # ours, unused for 40 days
        "notes.txt": False,  # the user's own file in the folder they named: never touched
        "old-photo.jpg": False,
    }
    for name in planted:
        (folder / name).write_bytes(b"x")
        os.utime(folder / name, (month_ago, month_ago))
    assert REPLY in replykit(*QUESTION, "--kb", str(root), cache=folder).stdout
    assert {name for name in planted if (folder / name).exists()} == {n for n, pruned in planted.items() if not pruned}


def test_replykits_own_default_folder_left_group_writable_is_made_private(write_kb: WriteKB, tmp_path: Path) -> None:
    """Earlier versions created ~/.cache/replykit with the umask's mode (0775 under umask 002)."""
    root = write_kb(FILES)
    xdg = tmp_path / "xdg"
    folder = xdg / "replykit"
    (folder / "templates").mkdir(parents=True)
    folder.chmod(0o775)
    (folder / "templates").chmod(0o777)  # as if another member of the group had made it
    marker = tmp_path / "code-ran"
    plant(folder, ["chains-memo-0123456789ab.json", "templates/0123-4567.code"], marker)
    result = replykit(*QUESTION, "--kb", str(root), cache=None, env={"XDG_CACHE_HOME": str(xdg)})
    assert (result.returncode, result.stderr) == (0, "")
    assert REPLY in result.stdout
    assert not marker.exists()
    assert folder.stat().st_mode & 0o777 == 0o700
    assert (folder / "templates").stat().st_mode & 0o777 == 0o700  # a new one: the old one was set aside
    assert not (folder / "templates" / "0123-4567.code").exists()
    assert not any(p.name.endswith(".pickle") for p in folder.iterdir())


@pytest.mark.parametrize("kernel_copy", [True, False], ids=["copy_file_range", "read-and-write"])
def test_a_bundle_array_made_of_parts_of_another_bundle_reads_back_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kernel_copy: bool
) -> None:
    """An update writes a new bundle from spans of an earlier one (copied by the kernel, or read and
    written where the kernel cannot): the bytes read back are the parts in order, and rows read with
    pread are those of the map."""
    from array import array

    from replykit import cache

    monkeypatch.setenv("REPLYKIT_CACHE_DIR", str(tmp_path / "cache"))
    if not kernel_copy:
        monkeypatch.delattr(os, "copy_file_range", raising=False)
    first = cache.cache_file("test", "first", fmt=1, suffix="bundle")
    second = cache.cache_file("test", "second", fmt=1, suffix="bundle")
    assert first is not None and second is not None
    old = array("f", [float(i) for i in range(10_000)])
    cache.write_bundle(first, {"n": 1}, {"rows": old})
    stored = cache.read_bundle(first)
    assert stored is not None
    spans = [stored.span("rows", 4 * 100, 4 * 50), stored.span("rows", 4 * 9_000, 4 * 1_000)]
    assert None not in spans and stored.span("rows", 4 * 9_999, 8) is None  # past the end
    fresh = array("f", [-1.0, -2.0, -3.0])
    cache.write_bundle(second, {"n": 2}, {"rows": [spans[0], fresh, spans[1]], "tail": array("q", [7])})
    new = cache.read_bundle(second)
    assert new is not None
    assert new.arrays["rows"].cast("f").tolist() == [*old[100:150], *fresh, *old[9_000:10_000]]
    assert new.arrays["tail"].tolist() == [7]
    out = array("f", [0.0] * 3)
    assert new.read_into("rows", 4 * 50, out) and out.tolist() == fresh.tolist()
    assert not new.read_into("rows", 4 * 1_052, out)  # past the end: nothing read
