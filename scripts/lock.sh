#!/usr/bin/env bash
# Regenerates requirements/*.txt, the hashed lock files that `make demo`, `make test` and CI install
# from. Run it (`make lock`) after changing a dependency in pyproject.toml, then commit the result.
# Resolved against pypi.org alone (no machine-local mirrors or pip config) so the hashes are PyPI's.
set -euo pipefail
cd "$(dirname "$0")/.."
python="${PYTHON:-python3}"
tools=.venv-lock
if [ ! -x "$tools/bin/pip-compile" ]; then
  "$python" -m venv "$tools"
  PIP_CONFIG_FILE=/dev/null "$tools/bin/pip" install --quiet --index-url https://pypi.org/simple 'pip-tools>=7.4,<8'
fi
compile() {
  PIP_CONFIG_FILE=/dev/null PIP_FIND_LINKS= PIP_CONSTRAINT= CUSTOM_COMPILE_COMMAND="make lock" \
    "$tools/bin/pip-compile" --quiet --generate-hashes --allow-unsafe --strip-extras \
    --no-emit-index-url --no-emit-find-links --index-url https://pypi.org/simple \
    "$@"
}
compile --output-file requirements/runtime.txt pyproject.toml
compile --extra dev --output-file requirements/dev.txt pyproject.toml
compile --output-file requirements/build.txt requirements/build.in
