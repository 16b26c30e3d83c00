"""The General Ledger tab and its views."""
