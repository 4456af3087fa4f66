"""Notes on a deal: colleagues' messages; a note can be pinned on top."""

from flask_babel import gettext as _

from .. import permissions
from ..errors import NotFound
from ..extensions import db
from ..models import Note, Opportunity, User
from ..timeline.services import record
from ..transactions import transactional
from . import fields


@transactional
def add_note(user: User, opp: Opportunity, body) -> Note:
    """Anyone who may see the deal may leave a note on it (read-only users excepted)."""
    permissions.require_write(user)
    permissions.require_view(user, opp)
    text = fields.text("body", body, required=True, max_len=10000, multiline=True)
    note = Note(opportunity_id=opp.id, author_id=user.id, body=text)
    db.session.add(note)
    record(opp, user, "note", message=text[:500])
    return note


@transactional
def set_pinned(user: User, opp: Opportunity, note_id, pinned: bool) -> Note:
    """Pin a note on top of the deal (or unpin it); editors of the deal only."""
    permissions.require_edit(user, opp)
    note = db.session.get(Note, int(note_id))
    if note is None or note.opportunity_id != opp.id:
        raise NotFound(_("This note does not exist."))
    if note.pinned != pinned:
        note.pinned = pinned
        record(opp, user, "note", message=("Pinned" if pinned else "Unpinned") + " a note")
    return note
