"""The installable Linux package, smoke-tested as a user would meet it (not in the default run).

    pytest -m bundle tests/packaging                      # builds with installers/build-linux.sh first
    PAKSA_BUNDLE_DEB=dist/paksa-desktop_0.1.0_amd64.deb pytest -m bundle tests/packaging   # a .deb built before

The .deb is unpacked with `dpkg-deb -x` into a temporary root, and everything runs from that root's
/opt/paksa-desktop with a clean environment: no venv, PATH=/usr/bin:/bin, no PYTHONPATH. So the
bundle must bring its own Python, Qt, migrations and resources.
"""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.bundle

ROOT = Path(__file__).resolve().parents[2]
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
PASSWORD = "Bundle-smoke-test-9"
JOURNAL = Path(__file__).with_name("files") / "journal.csv"


@pytest.fixture(scope="module")
def deb() -> Path:
    """A .deb of this checkout: PAKSA_BUNDLE_DEB if given, else a fresh build-linux.sh run."""
    given = os.environ.get("PAKSA_BUNDLE_DEB")
    if given:
        return Path(given).resolve()
    env = dict(os.environ, PAKSA_DEB_COMPRESSION="gzip")  # the package's content matters here, not its size
    try:
        import PyInstaller  # noqa: F401 - this venv can build: use it rather than creating .venv-build
    except ImportError:
        pass
    else:
        env["PAKSA_BUILD_VENV"] = sys.prefix
    done = subprocess.run(
        ["bash", str(ROOT / "installers" / "build-linux.sh")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=3600,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    (found,) = (ROOT / "dist").glob(f"paksa-desktop_{VERSION}_*.deb")
    return found


@pytest.fixture(scope="module")
def installed(deb: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("root")
    subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
    return root


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("home")


def run(installed: Path, home: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The bundled `paksa` with nothing of this test's Python around it."""
    clean = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "LANG": "C.UTF-8",
        **env,
    }
    return subprocess.run(
        [str(installed / "opt" / "paksa-desktop" / "paksa"), *args],
        env=clean,
        cwd=home,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_package_layout(deb: Path, installed: Path) -> None:
    info = subprocess.run(["dpkg-deb", "-f", str(deb), "Package", "Version"], capture_output=True, text=True)
    assert info.stdout.split() == ["Package:", "paksa-desktop", "Version:", VERSION]
    assert os.readlink(installed / "usr" / "bin" / "paksa") == "/opt/paksa-desktop/paksa"
    desktop = (installed / "usr/share/applications/paksa-desktop.desktop").read_text()
    assert "Exec=paksa %f" in desktop and "MimeType=application/x-paksa-company;" in desktop
    mime = (installed / "usr/share/mime/packages/paksa-desktop.xml").read_text()
    assert 'type="application/x-paksa-company"' in mime and 'pattern="*.paksa"' in mime
    for size in (16, 32, 48, 64, 128, 256, 512):
        png = installed / f"usr/share/icons/hicolor/{size}x{size}/apps/paksa-desktop.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    bundle = installed / "opt" / "paksa-desktop" / "_internal"
    assert (bundle / "db" / "env.py").is_file() and list((bundle / "db" / "versions").glob("0001_*.py"))
    assert (bundle / "resources" / "icons" / "app.svg").is_file()
    assert (bundle / "LICENSE").is_file()
    plugins = bundle / "PySide6" / "Qt" / "plugins"
    assert {p.name for p in (plugins / "platforms").iterdir()} >= {"libqxcb.so", "libqoffscreen.so"}
    assert (plugins / "iconengines" / "libqsvgicon.so").is_file()
    assert not (plugins / "platforms" / "libqeglfs.so").exists()
    assert not list(bundle.rglob("libQt6Quick*")), "QtQuick is not used and must not be bundled"


def test_bundle_runs_the_books_without_python(installed: Path, home: Path) -> None:
    version = run(installed, home, "--version")
    assert (version.returncode, version.stdout) == (0, f"paksa {VERSION}\n"), version.stderr

    db = str(home / "Bundle Ltd.paksa")
    env = {"PAKSA_DB": db, "PAKSA_PASSWORD": PASSWORD}
    created = run(installed, home, "company", "create", "--name", "Bundle Ltd", "--currency", "EUR", **env)
    assert created.returncode == 0, created.stderr

    imported = run(installed, home, "import", "journal", str(JOURNAL), **env)
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.startswith("Imported 3 entries (7 lines) from journal.csv")

    report = run(installed, home, "report", "trial-balance", "--as-of", "2024-12-31", "--format", "csv", **env)
    assert report.returncode == 0 and report.stderr == "", report.stderr
    assert list(csv.reader(io.StringIO(report.stdout))) == [
        ["code", "name", "debit", "credit", "balance"],
        ["1100", "Operating bank account", "9965.44", "0.00", "9965.44"],
        ["2200", "Output VAT / sales tax payable", "0.00", "200.00", "-200.00"],
        ["3100", "Share capital", "0.00", "10000.00", "-10000.00"],
        ["4010", "Product sales", "0.00", "1000.00", "-1000.00"],
        ["6100", "Rent", "1234.56", "0.00", "1234.56"],
    ]
    text = run(installed, home, "report", "trial-balance", "--as-of", "2024-12-31", **env)
    assert text.returncode == 0 and re.search(r"Total\s+11,200\.00\s+11,200\.00\s+0\.00", text.stdout), text.stdout


def test_bundle_opens_the_main_window_offscreen(installed: Path, home: Path) -> None:
    db = home / "Bundle Ltd.paksa"
    if not db.exists():
        pytest.skip("needs the company of test_bundle_runs_the_books_without_python")
    shown = run(
        installed,
        home,
        str(db),
        "--smoke-start",
        QT_QPA_PLATFORM="offscreen",
        PAKSA_USER="admin",
        PAKSA_PASSWORD=PASSWORD,
    )
    assert shown.returncode == 0, shown.stderr
    match = re.fullmatch(r"shown after (\d+\.\d{3}) s: Bundle Ltd — Paksa Desktop\n", shown.stdout)
    assert match, shown.stdout
    print(f"bundled app: main window shown {match.group(1)} s after launch")


@pytest.fixture(autouse=True)
def _linux_only() -> Iterator[None]:
    if not sys.platform.startswith("linux"):
        pytest.skip("the .deb is built and run on Linux")
    yield
