"""Reports and exports that leave the system through the command line are audited."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from paksa_desktop.audit.models import AuditRecord
from paksa_desktop.persistence.unit_of_work import UnitOfWork
from tests.cli.conftest import Paksa
from tests.conftest import Books


def exports(books: Books) -> list[tuple[str, str]]:
    with UnitOfWork(books.company.engine, write=False) as uow:
        rows = uow.session.execute(
            select(AuditRecord.entity, AuditRecord.after).where(AuditRecord.action == "export")
        ).all()
    return [(entity, after) for entity, after in rows]


def test_file_exports_write_an_audit_row(paksa: Paksa, company: Books, tmp_path: Path) -> None:
    assert paksa("export", "accounts", "--output", tmp_path / "chart.csv").code == 0
    assert paksa("report", "trial-balance", "--output", tmp_path / "tb.xlsx").code == 0
    assert paksa("report", "trial-balance", "--format", "csv").code == 0  # to the terminal: not an export
    assert paksa("report", "trial-balance", "--output", tmp_path / "tb.pdf").code == 0
    found = exports(company)
    assert [entity for entity, _ in found] == ["accounts", "trial_balance", "trial_balance"]
    assert '"file": "tb.pdf"' in found[2][1]
    assert '"file": "chart.csv"' in found[0][1] and '"file": "tb.xlsx"' in found[1][1]
