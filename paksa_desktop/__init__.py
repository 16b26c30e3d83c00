"""Paksa Desktop application core: everything except the Qt layer."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("paksa-desktop")
except PackageNotFoundError:  # running from a source checkout that is not installed
    __version__ = "0.0.0+source"
