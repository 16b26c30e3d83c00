"""Launch Paksa Desktop (the same as the `paksa` command: no arguments open the window)."""

from paksa_desktop.cli import main

raise SystemExit(main())
