"""The map as a spreadsheet: one row per task, in one format that export writes and import
reads (columns.py), read from and written to CSV and XLSX files (files.py), imported in two
steps — a dry run that says what would change and every problem by row and column (plan.py),
then one all-or-nothing write (apply.py) — and exported from the map (export.py)."""
