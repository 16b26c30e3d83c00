"""PostgreSQL roles and grants that mirror Paksa's users, roles and permissions.

A company database prepared by `paksa admin init-server` has:

- `DB_owner` (NOLOGIN): owns every table, sequence and function; nobody logs in as it.
- `DB_user` (NOLOGIN): what every Paksa user may do (connect, read the chart, append audit rows).
- one NOLOGIN role per permission, `DB_ledger_entry_post`: table privileges are granted to these, from
  TABLE_ACCESS, and the triggers ask `paksa_holds('ledger.entry.post')`;
- one NOLOGIN group role per Paksa role, `DB_role_accountant`, a member of the permission roles the
  Paksa role grants (so editing a role's permissions only moves memberships);
- one LOGIN role per Paksa user, `alice@DB`, a member of the groups of the user's roles.

`PUBLIC` gets nothing. Python stays the one source of the catalogue (users, roles, permissions live in
the company's tables); this module projects it onto the server, in the caller's transaction, so a
user added or a role changed is granted in the database exactly when it is committed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from psycopg import sql
from sqlalchemy import Connection, text

from paksa_desktop.core.errors import ValidationError
from paksa_desktop.security.permissions import ALL_PERMISSIONS
from paksa_desktop.security.table_access import EVERY_USER, OWN_ROWS, RECEIPT_ROWS, TABLE_ACCESS, TableAccess

PRIVILEGES = ("select", "insert", "update", "delete")
# Functions a user's session may call itself; trigger functions need no EXECUTE grant to fire.
CALLABLE_BY_USERS = ("paksa_current_user_id()", "paksa_holds(text)", "paksa_last_change(text, text)")
MAX_NAME = 63  # PostgreSQL truncates longer identifiers


def _slug(text_: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text_.lower()).strip("_")


def _fits(name: str, db: str) -> str:
    """PostgreSQL would silently cut a longer name, and two roles could then become one."""
    if len(name.encode()) > MAX_NAME:
        raise ValidationError(
            f"the database name '{db}' is too long for its role names ('{name}' has more than {MAX_NAME} "
            "bytes); choose a shorter database name"
        )
    return name


def owner_role(db: str) -> str:
    return _fits(f"{db}_owner", db)


def user_role(db: str) -> str:
    return _fits(f"{db}_user", db)


def permission_role(db: str, permission: str) -> str:
    return _fits(f"{db}_{permission.replace('.', '_')}", db)


def group_role(db: str, paksa_role: str) -> str:
    return _fits(f"{db}_role_{_slug(paksa_role)}", db)


def login_role(db: str, username: str) -> str:
    """The PostgreSQL login of a Paksa user: `alice@books` (the '@' keeps logins apart from groups)."""
    name = f"{username.lower()}@{db}"
    if len(name.encode()) > MAX_NAME:
        raise ValidationError(
            f"user name '{username}' is too long for a database login on '{db}' "
            f"({MAX_NAME} bytes with the database name)"
        )
    return name


def _ident(*names: str) -> str:
    return sql.SQL(", ").join(sql.Identifier(n) for n in names).as_string(None)


def _exec(conn: Connection, statement: str) -> None:
    conn.exec_driver_sql(statement.replace("%", "%%"))


def database_name(conn: Connection) -> str:
    return str(conn.execute(text("SELECT current_database()")).scalar_one())


def is_secured(conn: Connection) -> bool:
    """True when the database's roles exist (the database was prepared with `init-server`)."""
    if conn.dialect.name != "postgresql":
        return False
    found = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = current_database() || '_owner'")).first()
    return found is not None


def _existing_roles(conn: Connection) -> set[str]:
    return set(conn.execute(text("SELECT rolname FROM pg_roles")).scalars())


def _create_missing(conn: Connection, names: Iterable[str]) -> None:
    have = _existing_roles(conn)
    for name in names:
        if name not in have:
            _exec(conn, f"CREATE ROLE {_ident(name)} NOLOGIN")


def _grantees(db: str, perms: tuple[str, ...]) -> list[str]:
    return [user_role(db) if p == EVERY_USER else permission_role(db, p) for p in perms]


def _table_grants(db: str, table: str, access: TableAccess) -> list[str]:
    statements = []
    for privilege in PRIVILEGES:
        for grantee in _grantees(db, getattr(access, privilege)):
            statements.append(f"GRANT {privilege.upper()} ON TABLE {_ident(table)} TO {_ident(grantee)}")
    return statements


def _own_rows_policies(db: str, table: str, own: str) -> list[str]:
    manager = "public.paksa_holds('security.user.manage')"
    unmapped = "public.paksa_current_user_id() IS NULL"  # the server administrator's own connection
    mine = f"({own}) OR {manager} OR {unmapped}"
    return [
        f"ALTER TABLE {_ident(table)} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {_ident(table)} FORCE ROW LEVEL SECURITY",
        f"DROP POLICY IF EXISTS paksa_read ON {_ident(table)}",
        f"DROP POLICY IF EXISTS paksa_insert ON {_ident(table)}",
        f"DROP POLICY IF EXISTS paksa_update ON {_ident(table)}",
        f"DROP POLICY IF EXISTS paksa_delete ON {_ident(table)}",
        f"CREATE POLICY paksa_read ON {_ident(table)} FOR SELECT USING (true)",
        f"CREATE POLICY paksa_insert ON {_ident(table)} FOR INSERT WITH CHECK ({mine})",
        f"CREATE POLICY paksa_update ON {_ident(table)} FOR UPDATE USING ({mine}) WITH CHECK ({mine})",
        f"CREATE POLICY paksa_delete ON {_ident(table)} FOR DELETE USING ({mine})",
    ]


POLICY_NAMES = ("paksa_read", "paksa_insert", "paksa_update")


def _row_policies(table: str, read: str, write: str) -> list[str]:
    """Rows a user reads and writes (RECEIPT_ROWS); the server administrator's own connection sees all."""
    unmapped = "public.paksa_current_user_id() IS NULL"
    reads, writes = f"({read}) OR {unmapped}", f"({write}) OR {unmapped}"
    return [
        f"ALTER TABLE {_ident(table)} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {_ident(table)} FORCE ROW LEVEL SECURITY",
        *(f"DROP POLICY IF EXISTS {name} ON {_ident(table)}" for name in POLICY_NAMES),
        f"CREATE POLICY paksa_read ON {_ident(table)} FOR SELECT USING ({reads})",
        f"CREATE POLICY paksa_insert ON {_ident(table)} FOR INSERT WITH CHECK ({writes})",
        f"CREATE POLICY paksa_update ON {_ident(table)} FOR UPDATE USING ({writes}) WITH CHECK ({writes})",
    ]


def _schema_objects(conn: Connection) -> dict[str, list[str]]:
    rows = conn.execute(
        text(
            """
            SELECT 'table', quote_ident(c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v')
            UNION ALL
            SELECT 'sequence', quote_ident(c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = 'public' AND c.relkind = 'S'
               AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'i')
            UNION ALL
            SELECT 'function', p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE n.nspname = 'public'
            UNION ALL
            SELECT 'type', quote_ident(t.typname) FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
             WHERE n.nspname = 'public' AND t.typtype = 'e'
            """
        )
    ).all()
    found: dict[str, list[str]] = {"table": [], "sequence": [], "function": [], "type": []}
    for kind, name in rows:
        found[kind].append(name)
    return found


def secure(conn: Connection) -> None:
    """Create the roles and (re)apply every ownership, grant and policy; safe to repeat.

    Runs on the server administrator's connection (superuser, or CREATEROLE and owner of the database),
    after every migration and restore, so new tables are never left readable by everybody.
    """
    db = database_name(conn)
    owner, base = owner_role(db), user_role(db)
    roles = dict(conn.execute(text("SELECT id, name FROM roles")).all())
    perms_by_role: dict[int, set[str]] = {}
    for role_id, permission in conn.execute(text("SELECT role_id, permission FROM role_permissions")):
        perms_by_role.setdefault(role_id, set()).add(permission)
    _create_missing(
        conn,
        [owner, base]
        + [permission_role(db, p) for p in sorted(ALL_PERMISSIONS)]
        + [group_role(db, name) for name in roles.values()],
    )
    me = str(conn.execute(text("SELECT current_user")).scalar_one())
    superuser = bool(conn.execute(text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")).scalar_one())
    if not superuser:  # the administrator must be able to act as the owner to hand objects over to it
        _exec(conn, f"GRANT {_ident(owner)} TO {_ident(me)}")
    objects = _schema_objects(conn)
    sequences = _identity_sequences(conn)
    statements = [
        f"REVOKE ALL ON DATABASE {_ident(db)} FROM PUBLIC",
        f"GRANT CONNECT ON DATABASE {_ident(db)} TO {_ident(base)}",
        f"ALTER SCHEMA public OWNER TO {_ident(owner)}",
        "REVOKE ALL ON SCHEMA public FROM PUBLIC",
        f"GRANT USAGE ON SCHEMA public TO {_ident(base)}",
    ]
    for table in objects["table"]:
        statements.append(f"ALTER TABLE {table} OWNER TO {_ident(owner)}")
    for sequence in objects["sequence"]:
        statements.append(f"ALTER SEQUENCE {sequence} OWNER TO {_ident(owner)}")
    for function in objects["function"]:
        statements.append(f"ALTER FUNCTION {function} OWNER TO {_ident(owner)}")
    for type_ in objects["type"]:
        statements.append(f"ALTER TYPE {type_} OWNER TO {_ident(owner)}")
    everyone = [base] + [permission_role(db, p) for p in sorted(ALL_PERMISSIONS)]
    statements += [
        f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM PUBLIC, {_ident(*everyone)}",
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM PUBLIC, {_ident(*everyone)}",
        f"REVOKE ALL ON ALL FUNCTIONS IN SCHEMA public FROM PUBLIC, {_ident(*everyone)}",
    ]
    missing = sorted(t.strip('"') for t in objects["table"] if t.strip('"') not in TABLE_ACCESS)
    if missing:
        raise ValidationError(f"no database access rule for table(s) {', '.join(missing)} (see table_access.py)")
    for table, access in TABLE_ACCESS.items():
        statements += _table_grants(db, table, access)
        writers = sorted({g for p in ("insert", "update") for g in _grantees(db, getattr(access, p))})
        for sequence in sequences.get(table, []):
            statements += [f"GRANT USAGE, SELECT ON SEQUENCE {_ident(sequence)} TO {_ident(g)}" for g in writers]
    for table, own in OWN_ROWS.items():
        statements += _own_rows_policies(db, table, own)
    for table, (read, write) in RECEIPT_ROWS.items():
        statements += _row_policies(table, read, write)
    for function in CALLABLE_BY_USERS:
        statements.append(f"GRANT EXECUTE ON FUNCTION public.{function} TO {_ident(base)}")
    for role_id, name in roles.items():
        group = group_role(db, name)
        held = perms_by_role.get(role_id, set())
        statements.append(f"GRANT {_ident(base)} TO {_ident(group)}")
        for permission in sorted(ALL_PERMISSIONS):
            verb = "GRANT {r} TO {g}" if permission in held else "REVOKE {r} FROM {g}"
            statements.append(verb.format(r=_ident(permission_role(db, permission)), g=_ident(group)))
    for statement in statements:
        _exec(conn, statement)
    sync_logins(conn)


def _identity_sequences(conn: Connection) -> dict[str, list[str]]:
    """Each table's own sequences (identity and serial columns), which its inserters must draw from."""
    rows = conn.execute(
        text(
            "SELECT t.relname, s.relname FROM pg_class s JOIN pg_depend d ON d.objid = s.oid "
            "JOIN pg_class t ON t.oid = d.refobjid JOIN pg_namespace n ON n.oid = t.relnamespace "
            "WHERE s.relkind = 'S' AND n.nspname = 'public' AND d.deptype IN ('a', 'i')"
        )
    ).all()
    found: dict[str, list[str]] = {}
    for table, sequence in rows:
        found.setdefault(table, []).append(sequence)
    return found


def sync_role(conn: Connection, role_name: str, permissions: Iterable[str]) -> None:
    """A Paksa role created or its permissions changed: its group role holds exactly those permissions."""
    db = database_name(conn)
    group = group_role(db, role_name)
    _create_missing(conn, [group])
    _exec(conn, f"GRANT {_ident(user_role(db))} TO {_ident(group)}")
    held = set(permissions)
    for permission in sorted(ALL_PERMISSIONS):
        verb = "GRANT {r} TO {g}" if permission in held else "REVOKE {r} FROM {g}"
        _exec(conn, verb.format(r=_ident(permission_role(db, permission)), g=_ident(group)))


def drop_role(conn: Connection, role_name: str) -> None:
    _exec(conn, f"DROP ROLE IF EXISTS {_ident(group_role(database_name(conn), role_name))}")


def encrypted_password(conn: Connection, login: str, password: str) -> str:
    """The SCRAM verifier of a password, computed by libpq on this side: the password never reaches the
    server's statement log."""
    raw = conn.connection.dbapi_connection
    return raw.pgconn.encrypt_password(password.encode(), login.encode(), b"scram-sha-256").decode()  # type: ignore[union-attr]


def create_login(conn: Connection, username: str, password: str) -> str:
    """Create (or re-enable) the user's login role with this password; returns its name."""
    db = database_name(conn)
    login = login_role(db, username)
    verifier = encrypted_password(conn, login, password)
    verb = "ALTER" if login in _existing_roles(conn) else "CREATE"
    _exec(conn, f"{verb} ROLE {_ident(login)} LOGIN PASSWORD '{verifier}'")
    conn.execute(text("UPDATE users SET db_login = :login WHERE username = :name"), {"login": login, "name": username})
    return login


def set_password(conn: Connection, login: str, password: str) -> None:
    _exec(conn, f"ALTER ROLE {_ident(login)} PASSWORD '{encrypted_password(conn, login, password)}'")


def sync_logins(conn: Connection, username: str | None = None) -> None:
    """Logins belong to exactly the groups of their users' roles; a disabled user cannot log in; whoever
    manages users or roles gets CREATEROLE (to create logins and move memberships). One user, or all."""
    db = database_name(conn)
    groups = {group_role(db, n) for n in conn.execute(text("SELECT name FROM roles")).scalars()}
    existing = _existing_roles(conn)
    rows = conn.execute(
        text(
            "SELECT u.db_login, u.is_active, r.name, "
            "EXISTS (SELECT 1 FROM role_permissions p WHERE p.role_id = r.id AND p.permission IN "
            "('security.user.manage', 'security.role.manage')) "
            "FROM users u LEFT JOIN user_roles ur ON ur.user_id = u.id LEFT JOIN roles r ON r.id = ur.role_id "
            "WHERE u.db_login IS NOT NULL AND (CAST(:name AS text) IS NULL OR u.username = :name)"
        ),
        {"name": username},
    ).all()
    active: dict[str, bool] = {}
    manager: dict[str, bool] = {}
    held: dict[str, set[str]] = {}
    for login, is_active, role, manages in rows:
        active[login] = bool(is_active)
        manager[login] = manager.get(login, False) or bool(manages)
        if role is not None:
            held.setdefault(login, set()).add(group_role(db, role))
    for login, is_active in active.items():
        if login not in existing:
            continue
        create = "CREATEROLE" if manager[login] else "NOCREATEROLE"
        _exec(conn, f"ALTER ROLE {_ident(login)} {'LOGIN' if is_active else 'NOLOGIN'} {create}")
        for group in sorted(groups):
            verb = "GRANT {g} TO {u}" if group in held.get(login, set()) else "REVOKE {g} FROM {u}"
            _exec(conn, verb.format(g=_ident(group), u=_ident(login)))
