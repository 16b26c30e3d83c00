"""The Receivables tab: customers, items and sales tax codes (invoices, receipts and collections to come)."""
