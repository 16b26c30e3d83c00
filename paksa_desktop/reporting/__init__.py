"""One report model, many renderers: a report is computed once and rendered to screen, CSV, Excel, PDF."""
