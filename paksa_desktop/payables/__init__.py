"""Accounts payable: vendors, bills, payment runs and the bank payment files they produce."""
