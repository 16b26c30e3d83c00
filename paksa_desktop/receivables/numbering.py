"""Gap-free document numbers per series and fiscal year (INV-2025-000042), taken at posting.

The series row stays locked until the posting commits, so a second client's numbers follow ours and a
rolled-back posting leaves no gap. The same shape as the ledger's entry numbering (posting.py).
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from paksa_desktop.persistence.bulk import is_postgres
from paksa_desktop.receivables.models import DocumentSequence


def take_numbers(session: Session, series: str, fiscal_year_id: int, count: int) -> int:
    """Reserve `count` consecutive numbers of a series in a fiscal year; returns the first."""
    if is_postgres(session):
        advanced = session.execute(
            pg_insert(DocumentSequence)
            .values(series=series, fiscal_year_id=fiscal_year_id, next_number=1 + count)
            .on_conflict_do_update(
                index_elements=[DocumentSequence.series, DocumentSequence.fiscal_year_id],
                set_={"next_number": DocumentSequence.next_number + count},
            )
            .returning(DocumentSequence.next_number)
        ).scalar_one()
        return int(advanced) - count
    # SQLite: write units begin with BEGIN IMMEDIATE, so no other writer is in until we commit.
    where = (DocumentSequence.series == series, DocumentSequence.fiscal_year_id == fiscal_year_id)
    current = session.execute(select(DocumentSequence.next_number).where(*where)).scalar_one_or_none()
    if current is None:
        session.add(DocumentSequence(series=series, fiscal_year_id=fiscal_year_id, next_number=1 + count))
        session.flush()
        return 1
    session.execute(update(DocumentSequence).where(*where).values(next_number=current + count))
    return int(current)


def document_number(series: str, fiscal_year_name: str, sequence: int) -> str:
    return f"{series}-{fiscal_year_name}-{sequence:06d}"
