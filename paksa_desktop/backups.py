"""Back up a running company and restore a backup into an empty database, with permission and audit.

The engine work is in persistence/backup.py; this adds who may do it and the audit rows. A backup holds
everything (payroll, password hashes, the audit trail), so making one needs `company.manage`, which
only administrators hold. A restore is authorised by the restored company itself: the user must log
in to it and hold `company.manage` there, or the restored database is removed again.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select

from paksa_desktop.audit import trail
from paksa_desktop.company import Company
from paksa_desktop.core.clock import Clock
from paksa_desktop.ledger.models import CompanySettings
from paksa_desktop.persistence import backup
from paksa_desktop.persistence.backup import BackupFile
from paksa_desktop.persistence.engine import database_url
from paksa_desktop.persistence.unit_of_work import UnitOfWork
from paksa_desktop.security.context import UserContext
from paksa_desktop.security.permissions import Permission

Login = Callable[[Company], UserContext]


def _record(company: Company, ctx: UserContext, action: str, made: BackupFile, where: str) -> str:
    """One audit row about a backup file; returns the company's name."""
    with UnitOfWork(company.engine) as uow:
        name = uow.session.execute(select(CompanySettings.name)).scalar_one()
        trail.record(
            uow.session,
            ctx,
            action,
            "company",
            name,
            after={"file": where, "format": made.kind.value, "bytes": made.size, "sha256": made.sha256},
        )
        uow.commit()
    return str(name)


def backup_company(company: Company, ctx: UserContext, output: Path) -> tuple[str, BackupFile]:
    """A consistent backup of the open company to the new file `output`, recorded in its audit trail.

    Works on a company open read-only (another program has the file): a backup only reads, and its
    audit row is one of the writes a read-only program still makes.
    """
    ctx.require(Permission.COMPANY_MANAGE)
    made = backup.backup(company.engine.url, output)
    try:
        name = _record(company, ctx, "backup", made, str(output.resolve()))
    except BaseException:
        output.unlink(missing_ok=True)  # no backup leaves without its audit row
        raise
    return name, made


def restore_company(
    source: Path, target: str | Path, login: Login, *, clock: Clock | None = None
) -> tuple[Company, UserContext, BackupFile]:
    """Restore `source` into the empty `target`, log in to it, and record the restore in its audit trail.

    Returns the open restored company (the caller closes it). On any failure after the data went in
    (wrong password, no permission), the restored data is removed again: the target is left empty.
    """
    url = database_url(target)
    found = backup.restore(source, url)
    company: Company | None = None
    try:
        company = Company.open(url, clock=clock)
        # A dump holds no roles or grants: on a server prepared for this database name (init-server),
        # ownership, grants and the users' logins are applied again before anyone logs in.
        company.secure_server()
        ctx = login(company)
        ctx.require(Permission.COMPANY_MANAGE)
        _record(company, ctx, "restore", found, str(source.resolve()))
    except BaseException:
        if company is not None:
            company.close()
        backup.discard(url)
        raise
    return company, ctx, found
