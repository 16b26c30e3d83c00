"""Accounts payable and expenses: vendors, bills, approvals, payments and runs, expense claims."""
