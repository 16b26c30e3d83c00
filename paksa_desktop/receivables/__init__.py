"""Accounts receivable: tax codes, customers and items (master data); invoices and receipts follow."""
