"""The Payables tab: vendors, bills, payments, expense claims (one view per page)."""
