"""Administration: plugins per business line, settings, links to plugin admin tools."""
