#!/usr/bin/env bash
# Build the Linux bundle (PyInstaller one-folder) and the Debian package of Paksa Desktop.
#
#   bash installers/build-linux.sh            # -> dist/paksa-desktop/ and dist/paksa-desktop_VERSION_ARCH.deb
#   bash installers/build-linux.sh --reuse    # package an existing dist/paksa-desktop/ again (no PyInstaller run)
#
# Runs on Debian/Ubuntu (or any Linux with dpkg-deb). The bundle carries its own Python, Qt and
# libraries; the .deb installs it to /opt/paksa-desktop with /usr/bin/paksa, a menu entry, icons
# and the application/x-paksa-company type (*.paksa), so a double-click on a company file opens it.
#
# Environment:
#   PAKSA_BUILD_VENV   virtual environment used to build (default: .venv-build, created and filled
#                      with `pip install -c constraints.txt -e .[packaging]`; reused while pyproject.toml
#                      and constraints.txt are unchanged). An existing venv with PyInstaller works too.
#   PYTHON             interpreter that creates the build venv (default: python3, 3.11 or newer)
#   PAKSA_DEB_COMPRESSION  xz (default: smallest .deb, minutes on a busy machine), gzip (fast) or none
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

APP=paksa-desktop
VENV="${PAKSA_BUILD_VENV:-$ROOT/.venv-build}"
PYTHON="${PYTHON:-python3}"
DIST="$ROOT/dist"
BUILD="$ROOT/build"
REUSE=0

say() { printf '==> %s\n' "$*"; }
die() {
    printf 'build-linux: error: %s\n' "$*" >&2
    exit 1
}

for arg in "$@"; do
    case "$arg" in
    --reuse) REUSE=1 ;;
    -h | --help)
        sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'
        exit 0
        ;;
    *) die "unknown argument '$arg' (see --help)" ;;
    esac
done

command -v dpkg-deb >/dev/null 2>&1 || die "dpkg-deb not found (Debian package: dpkg)"

build_venv() {
    local stamp="$VENV/.paksa-build-stamp" wanted
    wanted="$(cat pyproject.toml constraints.txt | sha256sum | cut -d' ' -f1)"
    if [[ -x "$VENV/bin/python" ]] && "$VENV/bin/python" -c 'import PyInstaller, paksa_desktop' 2>/dev/null; then
        if [[ ! -f "$stamp" || "$(cat "$stamp")" == "$wanted" ]]; then
            say "build venv: $VENV (has PyInstaller $("$VENV/bin/python" -c 'import PyInstaller; print(PyInstaller.__version__)'))"
            return
        fi
    fi
    if [[ ! -x "$VENV/bin/python" ]]; then
        say "build venv: creating $VENV"
        "$PYTHON" -m venv "$VENV" || die "'$PYTHON -m venv' failed (on Debian: apt-get install python3-venv)"
    fi
    say "build venv: pip install -c constraints.txt -e .[packaging]"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[packaging]"
    printf '%s\n' "$wanted" >"$stamp"
}

build_venv
PY="$VENV/bin/python"
VERSION="$("$PY" -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')"
ARCH="$(dpkg --print-architecture 2>/dev/null || echo amd64)"
DEB="$DIST/${APP}_${VERSION}_${ARCH}.deb"

say "icons: rendering resources/icons/app.svg (Qt offscreen)"
QT_QPA_PLATFORM=offscreen "$PY" installers/render_icons.py "$BUILD/icons" >/dev/null

if ((REUSE)) && [[ -x "$DIST/$APP/paksa" ]]; then
    say "bundle: reusing $DIST/$APP"
else
    say "bundle: PyInstaller (a few minutes)"
    start=$SECONDS
    "$PY" -m PyInstaller --noconfirm --clean --log-level WARN \
        --distpath "$DIST" --workpath "$BUILD/pyinstaller" installers/paksa.spec
    say "bundle: built in $((SECONDS - start)) s"
fi
[[ -x "$DIST/$APP/paksa" ]] || die "no bundle at $DIST/$APP/paksa"
found="$(env -i PATH=/usr/bin:/bin HOME="${TMPDIR:-/tmp}" "$DIST/$APP/paksa" --version)" || die "the bundle does not run"
[[ "$found" == "paksa $VERSION" ]] || die "the bundle says '$found', expected 'paksa $VERSION'"

say "deb: assembling $APP $VERSION ($ARCH)"
PKG="$BUILD/deb/${APP}_${VERSION}_${ARCH}"
rm -rf "$PKG"
mkdir -p "$PKG/DEBIAN" "$PKG/opt" "$PKG/usr/bin" "$PKG/usr/share/applications" \
    "$PKG/usr/share/mime/packages" "$PKG/usr/share/icons" "$PKG/usr/share/doc/$APP"
cp -a "$DIST/$APP" "$PKG/opt/$APP"
ln -s "/opt/$APP/paksa" "$PKG/usr/bin/paksa"
install -m 644 installers/linux/paksa-desktop.desktop "$PKG/usr/share/applications/$APP.desktop"
install -m 644 installers/linux/paksa-desktop.xml "$PKG/usr/share/mime/packages/$APP.xml"
cp -a "$BUILD/icons/hicolor" "$PKG/usr/share/icons/hicolor"
install -m 644 LICENSE "$PKG/usr/share/doc/$APP/copyright"
find "$PKG" -type d -exec chmod 755 {} +

SIZE_KB="$(du -sk --exclude=DEBIAN "$PKG" | cut -f1)"
# The bundle brings Python, Qt and most libraries; these come from the system (graphics, X11 and
# the xcb pieces Qt's xcb platform needs, the same list as installers/setup-dev.sh).
cat >"$PKG/DEBIAN/control" <<EOF
Package: $APP
Version: $VERSION
Section: misc
Priority: optional
Architecture: $ARCH
Installed-Size: $SIZE_KB
Depends: libc6 (>= 2.31), libgl1, libegl1, libfontconfig1, libfreetype6, libdbus-1-3, libxkbcommon0, libxkbcommon-x11-0, libx11-6, libx11-xcb1, libxcb1, libxcb-cursor0, libxcb-icccm4, libxcb-image0, libxcb-keysyms1, libxcb-render-util0, libxcb-shape0, libxcb-xkb1, libxcb-randr0, libxcb-sync1, libxcb-xfixes0, libxcb-shm0, libxcb-render0
Recommends: shared-mime-info, desktop-file-utils
Maintainer: Paksa <packaging@paksa.invalid>
Homepage: https://paksa.invalid/
Description: Paksa Desktop - double-entry financial management
 A desktop client for finance teams over a SQLite company file or a shared
 PostgreSQL database: general ledger, receivables, cash and banking, reports
 to PDF and Excel, an audit trail. Installs to /opt/$APP with the 'paksa'
 command (the desktop window and the scriptable command line).
EOF
cat >"$PKG/DEBIAN/postinst" <<'EOF'
#!/bin/sh
set -e
if [ "$1" = configure ]; then
    command -v update-mime-database >/dev/null 2>&1 && update-mime-database /usr/share/mime || true
    command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q /usr/share/applications || true
    command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q -t /usr/share/icons/hicolor || true
fi
exit 0
EOF
cat >"$PKG/DEBIAN/postrm" <<'EOF'
#!/bin/sh
set -e
if [ "$1" = remove ] || [ "$1" = purge ]; then
    command -v update-mime-database >/dev/null 2>&1 && update-mime-database /usr/share/mime || true
    command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q /usr/share/applications || true
fi
exit 0
EOF
chmod 755 "$PKG/DEBIAN/postinst" "$PKG/DEBIAN/postrm"

mkdir -p "$DIST"
rm -f "$DEB"
dpkg-deb --root-owner-group -Z"${PAKSA_DEB_COMPRESSION:-xz}" --build "$PKG" "$DEB" >/dev/null
say "bundle: $DIST/$APP ($(du -sh "$DIST/$APP" | cut -f1))"
say "deb:    $DEB ($(du -h "$DEB" | cut -f1))"
say "install: sudo apt install $DEB    (or: dpkg-deb -x $DEB ROOT to look inside)"
