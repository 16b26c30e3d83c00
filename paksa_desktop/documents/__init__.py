"""Documents attached to records (entries, accounts, later invoices, bills, assets, employees), versioned."""
