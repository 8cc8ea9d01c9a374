"""What officials read: the summary, the figures behind charts and workbooks, notice counts.

- ``summary``: the /summary figures for a period and a unit (``summarize``).
- ``summary_statement``: the one SQL statement behind them, built once per shape of scope.
- ``scope``: a report's period, units and person, and the SQL clauses that bound it.
- ``figures``: counts by commune, status, category and quarter for charts and targets.
- ``export_rows``: the rows of the Excel workbook (items, meetings).
- ``notice_counts``: open, overdue and new items for the officials' notices and digest.
"""
