"""Dashboard reads: precomputed index rows, always within the user's scope.

Every function here starts from `scoped_results(user)` or
`staff.scope.visible_agencies(user)`, so the scope is enforced in this layer and
no page, chart, filter or export can reach another agency's rows. Pages read
IndexResult only (a constant number of queries, whatever the number of
responses); the comments list (dashboard/comments.py) is the one read of raw
responses, paginated. The agency page is dashboard/agency.py.
"""

from dashboard.queries.common import (
    EMPTY,
    G_SHARES,
    ROW_FIELDS,
    Focus,
    Value,
    current_rows,
    focus_agencies,
    pool,
    pool_by_agency,
    questionnaire_results,
    resolve_focus,
    scoped_results,
    subtree_agencies,
)
from dashboard.queries.pages import (
    g_distribution,
    overview,
    raw_responses,
)
from dashboard.queries.picker import (
    find_agency,
    match_field,
    procedure_fields,
    search_agencies,
)
from dashboard.queries.ranking import (
    RankEntry,
    ranking,
)

__all__ = [
    "EMPTY",
    "Focus",
    "G_SHARES",
    "ROW_FIELDS",
    "RankEntry",
    "Value",
    "current_rows",
    "find_agency",
    "focus_agencies",
    "g_distribution",
    "match_field",
    "overview",
    "pool",
    "pool_by_agency",
    "procedure_fields",
    "questionnaire_results",
    "ranking",
    "raw_responses",
    "resolve_focus",
    "scoped_results",
    "search_agencies",
    "subtree_agencies",
]
