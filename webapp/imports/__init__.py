"""Bringing files in: reading them (reading, vcard), matching their columns to fields
(mapping), turning cells into values (values), the pages up to the preview (services,
views), and running the import as a background job.

How a run's file is read again, row by row, the way its mapping page showed it::

    table = services.run_table(run)                       # reading.Table; UnreadableFile
    convert = values.RowConverter.from_options(run.entity, run.options).convert
    with table:
        for line, cells in table.rows:                    # line: where the record starts
            fields, refused = convert(cells)              # {key: value}, [(label, reason)]

Without a run (the CLI): ``services.first_options(entity, open_table(path, filename=...))``
gives the options an upload records (it reads the first rows: open the file again to
import it); ``mapping.missing_required(entity, mapping)`` says which required fields no
column fills.
"""
