"""The user's own settings page (/profile), in sections: the calendar feed for now."""
