"""General ledger: chart of accounts, journals, entries, periods, trial balance."""
