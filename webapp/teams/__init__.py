"""Teams: a manager and members, kept by admins at /admin/teams."""
