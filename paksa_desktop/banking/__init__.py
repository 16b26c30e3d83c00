"""Cash management and banking: bank accounts, statement files, matching and reconciliation."""
