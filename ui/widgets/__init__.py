"""Widgets shared by every module tab."""
