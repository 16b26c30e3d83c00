"""IP allowlist: on a shared PostgreSQL company, logins only from the listed client address ranges.

The address checked is the one the server sees (`inet_client_addr()`), not one the client claims.
An empty list allows every address. A local SQLite file has no network client: the list does not
apply there (documented in docs/security.md). The database server's own pg_hba.conf is the second
lock: `paksa admin pg-hba` prints the lines matching the list.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Sequence

from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import Session

from paksa_desktop.audit import trail
from paksa_desktop.core.changes import Changes, Kind
from paksa_desktop.core.errors import ValidationError
from paksa_desktop.persistence.retry import retry_writes
from paksa_desktop.persistence.unit_of_work import UnitOfWork
from paksa_desktop.security.context import UserContext
from paksa_desktop.security.crypto_models import IpAllowRule

log = logging.getLogger(__name__)
IP_ALLOWLIST_MANAGE = "security.ipallowlist.manage"  # = Permission.IP_ALLOWLIST_MANAGE


def parse_ranges(ranges: Sequence[str]) -> list[str]:
    """Normalised CIDR texts ('10.0.0.7' -> '10.0.0.7/32'); a clear error names the bad one."""
    result: list[str] = []
    for text in ranges:
        try:
            network = ipaddress.ip_network(text.strip(), strict=False)
        except ValueError:
            raise ValidationError(f"'{text}' is not an IP address or CIDR range (e.g. 192.168.1.0/24)") from None
        if str(network) not in result:
            result.append(str(network))
    return result


def allowed(address: str | None, ranges: Sequence[str]) -> bool:
    if not ranges:
        return True
    if address is None:  # a Unix-socket connection on the server itself
        return False
    ip = ipaddress.ip_address(address.split("/")[0])
    return any(ip in ipaddress.ip_network(r) for r in ranges)


def client_address(s: Session) -> str | None:
    """The client address the PostgreSQL server sees for this connection (None over a Unix socket)."""
    found = s.execute(select(func.inet_client_addr())).scalar_one_or_none()
    return None if found is None else str(found)


def refusal(s: Session, username: str) -> str | None:
    """Login checks this first on PostgreSQL: why a client outside the list is refused (None: allowed)."""
    if s.get_bind().dialect.name != "postgresql":
        return None
    ranges = list(s.execute(select(IpAllowRule.cidr).order_by(IpAllowRule.cidr)).scalars())
    if not ranges:
        return None
    address = client_address(s)
    if allowed(address, ranges):
        return None
    log.warning("login of '%s' refused: client address %s is not in the IP allowlist", username, address)
    return f"logins from {address or 'a local socket'} are not allowed for this company"


def pg_hba_lines(ranges: Sequence[str], database: str, method: str = "scram-sha-256") -> list[str]:
    """pg_hba.conf lines allowing exactly the listed ranges to the company database, then a reject."""
    lines = [f"# Paksa IP allowlist for database {database}"]
    lines += [f"hostssl {database:<16} all  {r:<20} {method}" for r in ranges]
    lines.append(f"host    {database:<16} all  {'0.0.0.0/0':<20} reject")
    lines.append(f"host    {database:<16} all  {'::/0':<20} reject")
    return lines


@retry_writes
class IpAllowlistService:
    """Read and replace a company's allowlist: permission-checked and audited, one transaction."""

    def __init__(self, engine: Engine, ctx: UserContext) -> None:
        self.engine = engine
        self.ctx = ctx

    def ranges(self) -> list[str]:
        """The allowed ranges: for administrators only (the list tells where logins may come from)."""
        self.ctx.require(IP_ALLOWLIST_MANAGE)
        with UnitOfWork(self.engine, write=False) as uow:
            return list(uow.session.execute(select(IpAllowRule.cidr).order_by(IpAllowRule.id)).scalars())

    def set_ranges(self, ranges: Sequence[str], *, note: str = "") -> Changes:
        self.ctx.require(IP_ALLOWLIST_MANAGE)
        wanted = parse_ranges(ranges)
        with UnitOfWork(self.engine) as uow:
            s = uow.session
            before = list(s.execute(select(IpAllowRule.cidr).order_by(IpAllowRule.id)).scalars())
            s.execute(delete(IpAllowRule))
            s.add_all(IpAllowRule(cidr=r, note=note) for r in wanted)
            s.flush()
            if wanted and s.get_bind().dialect.name == "postgresql" and not allowed(client_address(s), wanted):
                raise ValidationError("the new list would lock you out: it does not include your own address")
            trail.record(s, self.ctx, "update", "ip_allowlist", "", before={"ranges": before}, after={"ranges": wanted})
            uow.commit()
        return Changes.of(Kind.COMPANY)
