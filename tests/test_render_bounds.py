"""The render's bounds hold from inside the sandbox: a time limit that works under a tracer, and
sizes refused before one C-level step builds a huge value (render and lint alike)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from babel.lists import format_list

from tests.conftest import RunCLI, WriteKB

ENTRY = """
id: runaway
questions:
  en: ["runaway"]
variables:
  n: {type: int}
"""

CONFIG = "source_locale: en\nlocales: [en]\n"

NESTED_LOOPS = "{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}{% endfor %}\n"


def runaway_kb(write_kb: WriteKB, template: str) -> Path:
    return write_kb({"kb/runaway.yaml": ENTRY, "templates/en/runaway.j2": template}, config=CONFIG)


def test_a_runaway_loop_stops_at_the_time_limit_even_under_a_tracer(write_kb: WriteKB, tmp_path: Path) -> None:
    """A debugger or coverage sets a trace function; the limit is checked inside the loop, so it holds."""
    root = runaway_kb(write_kb, NESTED_LOOPS)
    script = textwrap.dedent(
        """
        import sys

        def tracer(frame, event, arg):
            return tracer  # traces every line, as coverage and debuggers do

        sys.settrace(tracer)
        sys.argv = ["replykit", *sys.argv[1:]]
        from replykit.cli import main
        main()
        """
    )
    env = {**os.environ, "REPLYKIT_CACHE_DIR": str(tmp_path / "cache")}
    done = subprocess.run(
        [sys.executable, "-c", script, "render", "runaway", "--kb", str(root), "--locale", "en"],
        capture_output=True, text=True, env=env, timeout=120,
    )

    assert done.returncode == 2
    assert "templates/en/runaway.j2:1: rendering took longer than 2 s and was stopped" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_runaway_loop_is_a_one_line_error(run_cli: RunCLI, write_kb: WriteKB) -> None:
    root = runaway_kb(write_kb, NESTED_LOOPS)

    result = run_cli("render", "runaway", "--kb", str(root), "--locale", "en")

    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert "rendering took longer than 2 s and was stopped: a runaway loop?" in result.stderr


HUGE = {
    "replace": "{{ ('x' * 100000) | replace('x', 'x' * 100000) }}",
    "center": "{{ 'x' | center(1000000000) }}",
    "ljust": "{{ 'x'.ljust(1000000000) }}",
    "indent": "{{ ('a\\n' * 1000) | indent(1000) }}",
    "format filter": "{{ '%999999999d' | format(1) }}",
    "percent": "{{ '%0999999999d' % 1 }}",
    "str.format": "{{ '{:>999999999}'.format(1) }}",
    "repetition": "{{ 'ab' * 100000000 }}",
    "join": "{{ range(99999) | join('x' * 99999) }}",
    "concatenation": "{% set ns = namespace(s='x') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
    "list doubling": "{% set ns = namespace(s=[1]) %}{% for i in range(40) %}{% set ns.s = ns.s + ns.s %}{% endfor %}",
    "slice": "{{ range(3) | slice(1000000000) | list }}",
    "list filter": "{{ range(99999) | map('string') | list }}",
    "list times": "{{ (range(100000) | list) * 1000 }}",
}


@pytest.mark.parametrize("name", sorted(HUGE))
def test_huge_values_are_refused_before_they_are_built(run_cli: RunCLI, write_kb: WriteKB, name: str) -> None:
    root = runaway_kb(write_kb, HUGE[name] + "\n")

    result = run_cli("render", "runaway", "--kb", str(root), "--locale", "en")

    assert result.exit_code == 2
    assert result.stderr.startswith("replykit: error: templates/en/runaway.j2:1: refused: ")
    assert "over the bound of 100,000" in result.stderr
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize("name", ["replace", "percent", "join"])
def test_lint_reports_a_huge_value_without_building_it(run_cli: RunCLI, write_kb: WriteKB, name: str) -> None:
    root = runaway_kb(write_kb, HUGE[name] + "\n")

    result = run_cli("lint", str(root))

    assert result.exit_code == 1
    assert "templates/en/runaway.j2:1:" in result.stdout
    assert "over the bound of 100,000" in result.stdout


def test_values_within_the_bounds_render(run_cli: RunCLI, write_kb: WriteKB) -> None:
    root = runaway_kb(write_kb, "{{ '-' * 40 }}|{{ 'ab' | center(6) }}|{{ '%03d' % 7 }}|{{ range(3) | join(',') }}|"
                      "{% for i in range(1000) %}{% endfor %}{{ 'x'.ljust(3) }}|{{ '{:>3}'.format(1) }}\n")

    result = run_cli("render", "runaway", "--kb", str(root), "--locale", "en")

    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"{'-' * 40}|  ab  |007|0,1,2|x  |  1\n"


def test_placeholder_text_is_not_offered(run_cli: RunCLI, write_kb: WriteKB) -> None:
    """lipsum(10**6) ran for minutes in pure Python, with no step a bound could check."""
    root = runaway_kb(write_kb, "{{ lipsum(1000000) }}\n")

    result = run_cli("render", "runaway", "--kb", str(root), "--locale", "en")

    assert result.exit_code == 2
    assert "'lipsum' is undefined" in result.stderr


def test_the_list_filter_takes_what_map_and_range_give(run_cli: RunCLI, write_kb: WriteKB) -> None:
    root = runaway_kb(write_kb, "{{ ['kettle', 'lid'] | map('upper') | list }} / {{ range(3) | list }}\n")

    result = run_cli("render", "runaway", "--kb", str(root), "--locale", "en")

    assert result.exit_code == 0, result.stderr
    expected = f"{format_list(['KETTLE', 'LID'], locale='en')} / {format_list(['0', '1', '2'], locale='en')}\n"
    assert result.stdout == expected
