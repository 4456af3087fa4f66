"""Reports for managers and sellers: forecast, pipeline value, funnel, time in stage,
won/lost, estimate accuracy, and the dashboard that gathers their key figures.

Each report is a module with a ``build(user, filters) -> Report`` computed with SQL aggregates
(``report.py`` holds what a report is made of: charts and tables, the same data twice, so a
table sits beside each chart and downloads as CSV). ``filters.py`` reads the filters every
report shares from the URL, ``scope.py`` turns them into WHERE clauses with the user's
visibility applied, ``charts.py`` lays out the server-rendered SVG charts.
"""
