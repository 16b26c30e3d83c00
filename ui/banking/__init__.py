"""The Cash & Banking tab: bank accounts, statement import, statement lines."""
