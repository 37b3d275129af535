"""Admin of the surveys app; questionnaires live in admin_questionnaires, responses
in admin_responses."""

import surveys.admin_questionnaires  # noqa: F401
import surveys.admin_responses  # noqa: F401
