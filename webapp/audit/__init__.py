"""The audit log: sign-ins, failures, sign-outs, password changes and admin actions."""
