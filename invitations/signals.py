"""Signals of the invitations app, for apps to the right of it (the API).

`invitation_answered` is sent by `services.claim_invitation` inside the
transaction that stored the response, with `invitation` (now used). Receivers
defer side effects to `transaction.on_commit`.
"""

from django.dispatch import Signal

invitation_answered = Signal()
