"""Exchange with other tools: tabular files (CSV, Excel) and, later, bank files, API and webhooks."""
