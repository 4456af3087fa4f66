"""The data model: one module per aggregate; import from here."""

from .access_link import LINK_PURPOSES, AccessLink
from .account import Account, Contact
from .board import BoardTotal
from .catalog import ActivityType, LostReason, Product, Source, Tag
from .engagement import ACTIVITY_KINDS, MAX_DURATION_MINUTES, Activity, CalendarFeed, Document, Note
from .forecast import FORECAST_CATEGORIES, SalesTarget
from .imports import ImportMapping, ImportReject, ImportRun
from .lead import LEAD_STATUSES, Lead
from .opportunity import (
    ACCOUNT_ROLES,
    CONTACT_ROLES,
    KEY_CONTACT_ROLES,
    FunnelDay,
    Opportunity,
    OpportunityAccount,
    OpportunityContact,
    OpportunityLine,
    StageHistory,
    StageVisitDay,
    opportunity_tags,
)
from .pipeline import STAGE_KINDS, Pipeline, Stage
from .security import AuditEvent, LoginThrottle, UserSession
from .settings import (
    ApiToken,
    AutomationRule,
    CustomField,
    PluginEnablement,
    SavedView,
    SavedViewDefault,
    Setting,
)
from .timeline import TimelineEntry
from .user import ROLES, SALES_GROUP, VISIBILITIES, BusinessLine, Group, Team, User

__all__ = [
    "AccessLink",
    "ACCOUNT_ROLES",
    "ACTIVITY_KINDS",
    "CONTACT_ROLES",
    "FORECAST_CATEGORIES",
    "KEY_CONTACT_ROLES",
    "MAX_DURATION_MINUTES",
    "LEAD_STATUSES",
    "LINK_PURPOSES",
    "ROLES",
    "SALES_GROUP",
    "STAGE_KINDS",
    "VISIBILITIES",
    "Account",
    "Activity",
    "AuditEvent",
    "ActivityType",
    "ApiToken",
    "AutomationRule",
    "BoardTotal",
    "BusinessLine",
    "CalendarFeed",
    "Contact",
    "CustomField",
    "Document",
    "Group",
    "Team",
    "ImportMapping",
    "ImportReject",
    "ImportRun",
    "Lead",
    "LoginThrottle",
    "LostReason",
    "Note",
    "Opportunity",
    "OpportunityAccount",
    "OpportunityContact",
    "OpportunityLine",
    "Pipeline",
    "SalesTarget",
    "PluginEnablement",
    "Product",
    "SavedView",
    "SavedViewDefault",
    "Setting",
    "Source",
    "Stage",
    "FunnelDay",
    "StageHistory",
    "StageVisitDay",
    "Tag",
    "TimelineEntry",
    "User",
    "UserSession",
    "opportunity_tags",
]
