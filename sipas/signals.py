"""Signals between the apps of the top floor (improvement, api), which may not
import each other (docs/architecture.md): the sender and the receivers both
import this module, which sits below them.

`alerts_raised` is sent by `improvement.alerts` inside the transaction that
stored new early warnings, with `alerts` (the new Alert objects; an alert that
only gains a reason is not new). Receivers must be cheap when they have nothing
to do and defer side effects to `transaction.on_commit`.
"""

from django.dispatch import Signal

alerts_raised = Signal()
