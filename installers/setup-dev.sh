#!/usr/bin/env bash
# Set up a Paksa Desktop development machine (Debian 12) and run the demo or the test suite.
#
#   bash installers/setup-dev.sh demo   # system packages, .venv, demo company, then the GUI
#   bash installers/setup-dev.sh test   # system packages, .venv, then the full pytest suite
#
# Works from any folder, as root or as a user whose system packages are already installed
# (or who may use sudo). Reruns are fast: apt is skipped when every package is installed, and
# pip is skipped while pyproject.toml and constraints.txt are unchanged since the last install.
# CI runs exactly `bash installers/setup-dev.sh test` (see .ci/run).
#
# Environment:
#   PAKSA_DEMO_DB       demo company file (default: ${XDG_DATA_HOME:-~/.local/share}/paksa/demo.paksa)
#   PAKSA_TEST_PG_URL   an existing PostgreSQL server for the tests (default: they start their own)
#   PYTHON              the interpreter that creates .venv (default: python3; 3.11 or newer)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

VENV="$ROOT/.venv"
STAMP="$VENV/.paksa-install-stamp"
PYTHON="${PYTHON:-python3}"

# Qt offscreen (tests, screenshots), a real display (xcb plugin), the interpreter, PostgreSQL for
# the tests, poppler-utils to look at rendered PDFs.
QT_PACKAGES=(libglib2.0-0 libgl1 libegl1 libxkbcommon0 libx11-6 libfontconfig1 libfreetype6 libdbus-1-3)
DISPLAY_PACKAGES=(
    libxcb-cursor0 libxkbcommon-x11-0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1
    libxcb-render-util0 libxcb-shape0 libxcb-xkb1
)
PYTHON_PACKAGES=(python3 python3-venv)
TOOL_PACKAGES=(postgresql poppler-utils)
SYSTEM_PACKAGES=("${PYTHON_PACKAGES[@]}" "${QT_PACKAGES[@]}" "${DISPLAY_PACKAGES[@]}" "${TOOL_PACKAGES[@]}")

say() { printf '==> %s\n' "$*"; }
die() {
    printf 'setup-dev: error: %s\n' "$*" >&2
    exit 1
}

usage() {
    cat <<'EOF'
usage: bash installers/setup-dev.sh demo|test

  demo   install everything, create the demo company if it does not exist, open it in the GUI
  test   install everything and run the whole test suite (exit status is pytest's)
EOF
}

is_installed() {
    dpkg -s "$1" 2>/dev/null | grep -q '^Status: install ok installed$'
}

install_system_packages() {
    if ! command -v dpkg >/dev/null 2>&1; then
        say "not a Debian system (no dpkg): make sure these are installed: ${SYSTEM_PACKAGES[*]}"
        return
    fi
    local missing=() pkg
    for pkg in "${SYSTEM_PACKAGES[@]}"; do
        is_installed "$pkg" || missing+=("$pkg")
    done
    if ((${#missing[@]} == 0)); then
        say "system packages: all ${#SYSTEM_PACKAGES[@]} already installed"
        return
    fi
    local run_as_root=()
    if ((EUID != 0)); then
        if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
            run_as_root=(sudo)
        else
            die "missing system packages: ${missing[*]}
  run this script as root, or install them first: sudo apt-get install --no-install-recommends ${missing[*]}"
        fi
    fi
    say "system packages: installing ${missing[*]}"
    "${run_as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    "${run_as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

check_python() {
    # $1: interpreter; fails unless it is Python 3.11 or newer
    "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null
}

make_venv() {
    if [[ -x "$VENV/bin/python" ]] && check_python "$VENV/bin/python"; then
        say "virtual environment: $VENV (exists, $("$VENV/bin/python" --version))"
        return
    fi
    command -v "$PYTHON" >/dev/null 2>&1 || die "'$PYTHON' not found; Paksa needs Python 3.11 or newer"
    check_python "$PYTHON" ||
        die "Paksa needs Python 3.11 or newer; '$PYTHON' is $("$PYTHON" --version 2>&1). Set PYTHON=/path/to/python3.11"
    if [[ -e "$VENV" ]]; then
        say "virtual environment: $VENV is broken or too old; recreating it"
        rm -rf "$VENV"
    fi
    say "virtual environment: creating $VENV with $("$PYTHON" --version)"
    "$PYTHON" -m venv "$VENV" || die "'$PYTHON -m venv' failed (on Debian: apt-get install python3-venv)"
}

install_python_packages() {
    # The stamp records what the last successful install was made from; unchanged inputs skip pip.
    local wanted
    wanted="$(cat pyproject.toml constraints.txt | sha256sum | cut -d' ' -f1)"
    if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$wanted" ]] && "$VENV/bin/python" -c 'import paksa_desktop' 2>/dev/null; then
        say "python packages: up to date (pyproject.toml and constraints.txt unchanged)"
        return
    fi
    say "python packages: pip install -c constraints.txt -e .[dev] (quiet; a first install takes a minute or two)"
    rm -f "$STAMP"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[dev]"
    printf '%s\n' "$wanted" >"$STAMP"
}

setup() {
    install_system_packages
    make_venv
    install_python_packages
}

run_demo() {
    local db="${PAKSA_DEMO_DB:-${XDG_DATA_HOME:-$HOME/.local/share}/paksa/demo.paksa}"
    local paksa="$VENV/bin/paksa"
    if [[ ! -x "$paksa" ]] || ! "$paksa" --help >/dev/null 2>&1; then
        die "the 'paksa' command does not work in this checkout yet ($paksa --help fails); nothing to launch"
    fi
    if [[ -s "$db" ]]; then
        say "demo company: $db (exists; delete it to make a fresh one)"
    else
        if ! "$paksa" demo --help >/dev/null 2>&1; then
            die "this checkout has no 'paksa demo' command yet, so no demo company can be made at $db
  create a company yourself (paksa company create ...) and open it with: $paksa --db FILE"
        fi
        say "demo company: creating $db"
        mkdir -p "$(dirname "$db")"
        "$paksa" demo --db "$db"
    fi
    if [[ -z "${DISPLAY:-}" && -z "${WAYLAND_DISPLAY:-}" && -z "${QT_QPA_PLATFORM:-}" ]]; then
        say "note: no DISPLAY or WAYLAND_DISPLAY is set; Qt may fail to open a window (run under a desktop or Xvfb)"
    fi
    say "launching: $paksa --db $db"
    exec "$paksa" --db "$db"
}

run_tests() {
    if [[ -n "${PAKSA_TEST_PG_URL:-}" ]]; then
        say "tests: PostgreSQL at PAKSA_TEST_PG_URL"
    else
        say "tests: the suite starts its own PostgreSQL server"
    fi
    # One worker per core (pytest-xdist): each worker starts its own PostgreSQL and uses its own databases.
    say "running: .venv/bin/python -m pytest -q -n auto"
    local status=0
    "$VENV/bin/python" -m pytest -q -n auto || status=$?
    say "pytest exited with status $status"
    exit "$status"
}

main() {
    if (($# != 1)); then
        usage >&2
        exit 2
    fi
    case "$1" in
    demo)
        setup
        run_demo
        ;;
    test)
        setup
        run_tests
        ;;
    -h | --help | help)
        usage
        ;;
    *)
        usage >&2
        exit 2
        ;;
    esac
}

main "$@"
