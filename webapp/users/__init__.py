"""Users administered in the app: invitations, roles, business lines, deactivation and
password resets by one-time links."""
