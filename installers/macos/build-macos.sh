#!/usr/bin/env bash
# Build Paksa Desktop for macOS: "Paksa Desktop.app" (PyInstaller BUNDLE) and a .dmg to distribute it.
#
#   bash installers/macos/build-macos.sh
#
# Run on the oldest macOS version to support (11 or newer), on the architecture to ship (arm64 on
# Apple silicon, x86_64 on Intel; build each separately). Needs Python 3.11+ from python.org and the
# Xcode command line tools (hdiutil and codesign come with macOS).
#
# Environment:
#   PAKSA_BUILD_VENV        build venv (default: .venv-build)
#   PAKSA_CODESIGN_ID       "Developer ID Application: NAME (TEAMID)" to sign the app (default: ad hoc "-")
#   PAKSA_NOTARY_PROFILE    a notarytool keychain profile (xcrun notarytool store-credentials): notarize
#                           and staple the .dmg; without it the .dmg is not notarized and Gatekeeper
#                           asks users to confirm the first start (right-click > Open).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
VENV="${PAKSA_BUILD_VENV:-$ROOT/.venv-build}"
SIGN_ID="${PAKSA_CODESIGN_ID:--}"

say() { printf '==> %s\n' "$*"; }
die() {
    printf 'build-macos: error: %s\n' "$*" >&2
    exit 1
}

[[ "$(uname -s)" == Darwin ]] || die "this script runs on macOS (it needs hdiutil and codesign)"
if [[ ! -x "$VENV/bin/python" ]]; then
    say "build venv: creating $VENV"
    python3 -m venv "$VENV"
fi
say "build venv: pip install -c constraints.txt -e .[packaging]"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[packaging]"
PY="$VENV/bin/python"
VERSION="$("$PY" -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')"

say "icons: build/icons/paksa.icns from resources/icons/app.svg (Qt offscreen)"
QT_QPA_PLATFORM=offscreen "$PY" installers/render_icons.py build/icons >/dev/null

say "app: PyInstaller (the spec adds the BUNDLE step on macOS: Info.plist with the .paksa document type)"
"$PY" -m PyInstaller --noconfirm --clean --log-level WARN --distpath dist --workpath build/pyinstaller installers/paksa.spec
APP="dist/Paksa Desktop.app"
[[ -d "$APP" ]] || die "PyInstaller made no $APP"
found="$("$APP/Contents/MacOS/paksa" --version)"
[[ "$found" == "paksa $VERSION" ]] || die "the app says '$found', expected 'paksa $VERSION'"

say "codesign: $SIGN_ID"
codesign --force --deep --options runtime --timestamp --sign "$SIGN_ID" "$APP"
codesign --verify --deep --strict "$APP"

DMG="dist/PaksaDesktop-$VERSION-$(uname -m).dmg"
say "dmg: $DMG"
STAGE="build/dmg"
rm -rf "$STAGE" "$DMG"
mkdir -p "$STAGE"
cp -R "$APP" "$STAGE/"
ln -s /Applications "$STAGE/Applications"  # drag the app onto Applications to install
hdiutil create -volname "Paksa Desktop $VERSION" -srcfolder "$STAGE" -fs HFS+ -format UDZO -ov "$DMG"
[[ "$SIGN_ID" == "-" ]] || codesign --force --timestamp --sign "$SIGN_ID" "$DMG"

if [[ -n "${PAKSA_NOTARY_PROFILE:-}" ]]; then
    say "notarize: xcrun notarytool (a few minutes)"
    xcrun notarytool submit "$DMG" --keychain-profile "$PAKSA_NOTARY_PROFILE" --wait
    xcrun stapler staple "$DMG"
else
    say "not notarized (set PAKSA_NOTARY_PROFILE and PAKSA_CODESIGN_ID to a Developer ID to notarize)"
fi
say "done: $DMG"
