"""The PostgreSQL connection form saves and loads connection profiles, and never writes the password."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import make_url

from paksa_desktop.security.profiles import ConnectionProfile, ProfileStore, SslMode
from ui.company_dialogs import PostgresDialog


def test_the_form_saves_and_loads_profiles_without_the_password(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    store = ProfileStore(tmp_path / "profiles.json")
    store.save(ConnectionProfile("Branch", host="10.0.0.5", port=5433, database="branch", user="bo"))
    dialog = PostgresDialog(profiles=store)
    qtbot.addWidget(dialog)
    dialog.profile.setCurrentIndex(dialog.profile.findData("Branch"))
    assert (dialog.host.text(), dialog.port.value(), dialog.database.text(), dialog.user.text()) == (
        "10.0.0.5", 5433, "branch", "bo",
    )  # fmt: skip

    dialog.host.setText("db.example.com")
    dialog.database.setText("books")
    dialog.user.setText("ana")
    dialog.password.setText("top-secret-pw")
    dialog.ssl_mode.setCurrentIndex(dialog.ssl_mode.findData("require"))
    dialog.save_as.setText("Office")
    dialog.accept()
    url = make_url(dialog.url())
    assert url.password == "top-secret-pw" and url.query["sslmode"] == "require"
    office = store.get("Office")
    assert office is not None and office.host == "db.example.com" and office.ssl_mode == SslMode.REQUIRE
    assert "top-secret-pw" not in store.path.read_text()
