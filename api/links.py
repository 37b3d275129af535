"""The citizen's link of an invitation issued through the API (its token is
derived, so it can be given again: `invitations.services.derived_token`)."""

from __future__ import annotations

from invitations import services as invitation_services
from invitations.models import Invitation


def link_of(invitation: Invitation) -> str | None:
    """The citizen's link when it can be recomputed (issued through the API);
    None for an invitation made in the admin, whose token was random."""
    token = invitation_services.derived_token(
        invitation.agency_id, invitation.dossier_hash
    )
    if invitation_services.token_hash(token) != invitation.token_hash:
        return None
    return invitation_services.invitation_url(token)
