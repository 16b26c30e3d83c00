#!/usr/bin/env bash
# Build Paksa Desktop as an AppImage (one file that runs on most Linux desktops, no installation).
#
#   bash installers/build-appimage.sh          # needs dist/paksa-desktop/ (run build-linux.sh first)
#
# Assembles build/appimage/Paksa_Desktop.AppDir (AppRun, the .desktop entry, the icon, the bundle in
# usr/lib/paksa-desktop, icons and the *.paksa MIME type under usr/share for desktop integration tools)
# and, if `appimagetool` is on PATH, packs it into dist/Paksa_Desktop-VERSION-ARCH.AppImage.
#
# appimagetool is not in Debian and cannot be downloaded on a machine without internet access;
# on a machine with it: https://github.com/AppImage/appimagetool/releases (appimagetool-x86_64.AppImage,
# chmod +x, put it on PATH as appimagetool). Without it this script stops after the AppDir, which
# already runs as is: build/appimage/Paksa_Desktop.AppDir/AppRun.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
APP=paksa-desktop
BUNDLE="$ROOT/dist/$APP"
APPDIR="$ROOT/build/appimage/Paksa_Desktop.AppDir"
ICONS="$ROOT/build/icons"

say() { printf '==> %s\n' "$*"; }
die() {
    printf 'build-appimage: error: %s\n' "$*" >&2
    exit 1
}

[[ -x "$BUNDLE/paksa" ]] || die "no bundle at $BUNDLE: run 'bash installers/build-linux.sh' first"
[[ -d "$ICONS/hicolor" ]] || die "no rendered icons in $ICONS: run 'bash installers/build-linux.sh' first"
VERSION="$(python3 -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')"
ARCH="$(uname -m)"

say "AppDir: $APPDIR"
rm -rf "$APPDIR"
mkdir -p "$APPDIR/usr/lib" "$APPDIR/usr/share/applications" "$APPDIR/usr/share/mime/packages" "$APPDIR/usr/share/icons"
cp -a "$BUNDLE" "$APPDIR/usr/lib/$APP"
cp -a "$ICONS/hicolor" "$APPDIR/usr/share/icons/hicolor"
install -m 644 installers/linux/paksa-desktop.desktop "$APPDIR/usr/share/applications/$APP.desktop"
install -m 644 installers/linux/paksa-desktop.xml "$APPDIR/usr/share/mime/packages/$APP.xml"
# the AppImage conventions: the .desktop entry and the icon at the top, .DirIcon for file managers
sed 's/^TryExec=.*$//' installers/linux/paksa-desktop.desktop | sed '/^$/d' >"$APPDIR/$APP.desktop"
cp "$ICONS/hicolor/256x256/apps/$APP.png" "$APPDIR/$APP.png"
ln -s "$APP.png" "$APPDIR/.DirIcon"
cat >"$APPDIR/AppRun" <<'APPRUN'
#!/bin/sh
# Start the bundled program; a company file given by the desktop (%f) is its first argument.
HERE="$(dirname "$(readlink -f "$0")")"
exec "$HERE/usr/lib/paksa-desktop/paksa" "$@"
APPRUN
chmod 755 "$APPDIR/AppRun"
"$APPDIR/AppRun" --version >/dev/null || die "the AppDir does not run"

OUT="$ROOT/dist/Paksa_Desktop-$VERSION-$ARCH.AppImage"
if command -v appimagetool >/dev/null 2>&1; then
    say "appimagetool: $OUT"
    ARCH="$ARCH" appimagetool --no-appstream "$APPDIR" "$OUT"
    say "AppImage: $OUT ($(du -h "$OUT" | cut -f1))"
else
    say "appimagetool is not on PATH, so no .AppImage file was made; the AppDir is ready and runs as is:"
    say "  $APPDIR/AppRun"
    say "appimagetool is not packaged in Debian and this machine has no internet access apart from package"
    say "registries; on a machine with access: download appimagetool-$ARCH.AppImage from"
    say "https://github.com/AppImage/appimagetool/releases, make it executable, put it on PATH as"
    say "'appimagetool' and run this script again."
fi
