"""Launch Paksa Desktop (the same as the `paksa` command: no arguments open the window)."""

import os
import sys

# A windowed build (paksaw.exe on Windows, the macOS .app) has no console: print() must not fail there.
if sys.stdout is None:
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the program
if sys.stderr is None:
    sys.stderr = open(os.devnull, "w")  # noqa: SIM115

from paksa_desktop.cli import main  # after the streams exist

raise SystemExit(main())
