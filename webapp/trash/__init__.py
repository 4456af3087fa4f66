"""The trash: deals, accounts, contacts and leads deleted from a normal page, restorable."""
