"""Admin of the surveys app; questionnaires live in admin_questionnaires."""

import surveys.admin_questionnaires  # noqa: F401
