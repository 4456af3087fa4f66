"""Taking data out: deals, accounts, contacts and leads as CSV or XLSX files.

``choice`` reads what to export (rows, columns, format) from a request or the command line,
``records`` reads the rows in batches with a fixed number of queries each, ``cells`` turns
values into spreadsheet cells safe from formula injection, ``writers`` writes the files.
The values are written so that our import reads them back to the same values.
"""
