"""Pure domain values (money, dates, errors): no I/O, no SQLAlchemy, no modules."""
