#!/bin/sh
# bench/speed.py on the compiled build: builds it as a user does (the sdist, then the wheel from it, so the
# tree stays clean), installs it with the bench extra in a fresh virtualenv outside the tree, runs the
# figures there. Needs gcc, Python's headers and `build` (pip install build); about 2 minutes to build.
#   sh bench/compiled.sh [speed.py's options]      PYTHON=python3.12 to build for another interpreter
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
HATCH_BUILD_HOOK_ENABLE_MYPYC=1 "${PYTHON:-python3}" -m build --outdir "$work/dist" "$here" >"$work/build.log" 2>&1 \
    || { tail -20 "$work/build.log"; exit 1; }
"${PYTHON:-python3}" -m venv "$work/venv"
"$work/venv/bin/pip" install -q "$(ls "$work"/dist/cardfix-*-cp*.whl)[bench]"
"$work/venv/bin/python" "$here/bench/speed.py" "$@"  # (the script's folder, not the tree, is on sys.path)
