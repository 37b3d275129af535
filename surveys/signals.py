"""Signals of the surveys app, for apps to the right of it in the import order.

`responses_stored` is sent by `services.store_responses` inside the storing
transaction with `responses` (the stored Response objects). Receivers must be
cheap when they have nothing to do (a large import sends one signal per batch)
and must defer side effects to `transaction.on_commit`.
"""

from django.dispatch import Signal

responses_stored = Signal()
