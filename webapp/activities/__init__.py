"""The salesperson's day: activities across deals, their week calendar and the types
picklist (a deal's own activities: ``webapp.opportunities.activities``)."""
