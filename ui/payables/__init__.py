"""The Payables tab: vendors, bills, payment runs and expense claims."""
