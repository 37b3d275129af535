"""Key-driver results, improvement actions, alerts and targets (issue 13).

Driver rows are written only by improvement.drivers and effects only by
improvement.effects (Celery tasks); pages read them, never compute them.
"""

from improvement.models.actions import (
    Action,
    ActionEffect,
    ActionEvidence,
    ActionNote,
    _evidence_path,
)
from improvement.models.alerts import (
    Alert,
    DigestPreference,
    DigestSent,
    ProvincialReport,
    Target,
)
from improvement.models.drivers import DriverRun, DriverWeight

__all__ = [
    "Action",
    "ActionEffect",
    "ActionEvidence",
    "ActionNote",
    "Alert",
    "DigestPreference",
    "DigestSent",
    "DriverRun",
    "DriverWeight",
    "ProvincialReport",
    "Target",
    "_evidence_path",
]
