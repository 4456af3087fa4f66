"""The list engine (columns, sort, keyset pages, URL state) and saved views, shared by the
deals, accounts, contacts and leads lists."""
