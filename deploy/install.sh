#!/bin/sh
# Installs news-monitor from the source folder SRC into a new virtual environment DEST:
# what deploy/Dockerfile runs. Extra arguments go to pip (tests add offline options).
set -eu
dest=$1
src=${2:-.}
shift 2 2>/dev/null || shift $#
python3 -m venv "$dest"
"$dest/bin/python" -m pip install --no-cache-dir --disable-pip-version-check -q "$@" "$src"
"$dest/bin/monitor" --help >/dev/null
