"""Paksa Desktop application core: everything except the Qt layer."""

from importlib.metadata import PackageNotFoundError, version
from pathlib import Path


def _version() -> str:
    """pyproject.toml's version is the one place: installed (or bundled) metadata, else the checkout's file."""
    try:
        return version("paksa-desktop")
    except PackageNotFoundError:  # a source checkout that is not installed
        import tomllib

        try:
            text = (Path(__file__).resolve().parents[1] / "pyproject.toml").read_text(encoding="utf-8")
            return str(tomllib.loads(text)["project"]["version"]) + "+source"
        except (OSError, KeyError, tomllib.TOMLDecodeError):
            return "0.0.0+source"


__version__ = _version()
