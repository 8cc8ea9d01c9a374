#!/usr/bin/env bash
# Regenerate requirements.lock from pyproject.toml: every runtime dependency and the `dev`
# extra, pinned for Python 3.11. `./dev install` installs with it as constraints.
#
#   scripts/lock.sh               re-resolve, keeping the current pins where still allowed
#   scripts/lock.sh --upgrade     move every pin to the newest allowed release
#   scripts/lock.sh --upgrade-package NAME
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [[ -x .venv/bin/uv ]]; then
    UV=.venv/bin/uv
elif command -v uv >/dev/null 2>&1; then
    UV=uv
else
    echo "lock: uv is missing: run ./dev install (uv is a dev dependency) or pip install uv" >&2
    exit 1
fi

echo "lock: \$ $UV pip compile pyproject.toml --extra dev --python-version 3.11 -o requirements.lock $*"
"$UV" pip compile pyproject.toml --extra dev --python-version 3.11 -o requirements.lock "$@" \
    >/dev/null

# PyPI's `storage` and `locales` are unrelated projects that share names with this
# project's packages: nothing may resolve to them.
if grep -Eiq '^(storage|locales)([=<>~ [;]|$)' requirements.lock; then
    echo "lock: error: requirements.lock pins PyPI's unrelated 'storage' or 'locales'" >&2
    exit 1
fi
echo "lock: requirements.lock has $(grep -Ec '^[A-Za-z0-9]' requirements.lock) pinned packages"
