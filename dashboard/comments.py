"""Reads of the comments triage page: citizens' comments and their reviews.

They start from the user's focus (`dashboard.queries.resolve_focus`, scope from
`staff.scope`). The comments list is the only dashboard read of raw responses:
filtered by agency and period through the (agency, submitted_at) index and
paginated.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.paginator import Page, Paginator
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery

from dashboard.filters import Filters
from dashboard.models import CommentReview
from dashboard.queries import (
    resolve_focus,
    subtree_agencies,
)
from sipas.periods import parse_period
from staff.scope import can_see_contacts
from surveys.models import Answer, ReplyContact, Response

PAGE_SIZE = 25
# The answer shown as each card's score and sorted on: the overall item G (1–5).
# The household form has no overall item: its comments sort newest first.
SCORE_ITEM = {"exit-dv": "G"}
SORTS = ("score", "newest")  # ?sort=…, worst score first by default
# Session key of a failed plain-form save: {response id: typed values, error}.
DRAFTS = "comment_drafts"


def comment_responses(
    user: AbstractBaseUser, filters: Filters, params: dict[str, str]
) -> QuerySet[Response]:
    """Responses with a comment inside the user's focus and filters, each with
    its `score` (the answer to SCORE_ITEM, None without one), worst score first
    (unscored last, then newest) or with sort=newest newest first.

    params: q (text search), item + score (answers to item at most score),
    status (new|in_progress|replied), mine ("1": assigned to me), sort.
    """
    focus = resolve_focus(user, filters)
    start, end = parse_period(filters.period).bounds()
    responses = Response.objects.filter(
        agency__in=subtree_agencies(user, focus),
        submitted_at__gte=start,
        submitted_at__lt=end,
        version__questionnaire__code=filters.questionnaire,
    ).exclude(comment="")
    if filters.channel:
        responses = responses.filter(channel=filters.channel)
    if filters.field:
        responses = responses.filter(procedure__field=filters.field)
    if params.get("q"):
        responses = responses.filter(comment__icontains=params["q"][:200])
    score = params.get("score", "")
    if score.isdigit() and 1 <= int(score) <= 5:
        item = params.get("item") or "G"
        responses = responses.filter(
            Exists(
                Answer.objects.filter(
                    response=OuterRef("pk"), item_code=item[:10], value__lte=int(score)
                )
            )
        )
    status = params.get("status", "")
    if status == CommentReview.Status.NEW:
        responses = responses.filter(
            Q(review__isnull=True) | Q(review__status=CommentReview.Status.NEW)
        )
    elif status in CommentReview.Status.values:
        responses = responses.filter(review__status=status)
    if params.get("mine") == "1":
        responses = responses.filter(review__assignee=user)
    item = SCORE_ITEM.get(filters.questionnaire)
    if item:
        responses = responses.annotate(
            score=Subquery(
                Answer.objects.filter(response=OuterRef("pk"), item_code=item).values(
                    "value"
                )[:1]
            )
        )
    order = ["-submitted_at", "id"]
    if item and params.get("sort", "score") != "newest":
        order = [F("score").asc(nulls_last=True), *order]
    return responses.select_related("agency", "procedure", "review__assignee").order_by(
        *order
    )


def with_review_labels(responses: Iterable[Response]) -> Iterator[Response]:
    """Annotate each response with its review status (new when not reviewed)."""
    for response in responses:
        review = getattr(response, "review", None)
        response.review_status = review.status if review else CommentReview.Status.NEW
        response.review_status_label = CommentReview.Status(
            response.review_status
        ).label
        yield response


def comments_page(
    user: AbstractBaseUser, filters: Filters, params: dict[str, str]
) -> dict:
    """One page of comments and the reply contacts the user may see. Three
    queries after the profile's: count, page, contacts (managers only)."""
    focus = resolve_focus(user, filters)
    paginator = Paginator(comment_responses(user, filters, params), PAGE_SIZE)
    page: Page = paginator.get_page(params.get("page"))
    responses = list(page.object_list)
    contact_ids = [r.pk for r in responses if can_see_contacts(focus.profile, r.agency)]
    contacts = (
        dict(
            ReplyContact.objects.filter(response_id__in=contact_ids).values_list(
                "response_id", "value"
            )
        )
        if contact_ids
        else {}
    )
    for response in with_review_labels(responses):
        response.contact = contacts.get(response.pk, "")
        response.assignees = []
    return {
        "focus": focus,
        "page": page,
        "responses": responses,
        "can_edit": focus.profile.can_edit,
        "sort": "newest"
        if params.get("sort") == "newest" or filters.questionnaire not in SCORE_ITEM
        else "score",
        "assignees": assignee_choices(responses) if focus.profile.can_edit else [],
    }


def assignee_choices(responses: list[Response]) -> list[tuple[int, str]]:
    """Staff who may be assigned a comment of the page, set on each response as
    `assignees` (one query): managers of the response's agency or an agency
    above it, analysts of its province (dashboard.services.assignable_users, the
    rule the service checks). Returns everyone offered on the page."""
    ancestors: set[int] = set()
    provinces: set[str] = set()
    for response in responses:
        ancestors |= _ancestors(response)
        provinces.add(response.agency.province_code)
    if not responses:
        return []
    users = (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(
            Q(
                staff_profile__role="agency_manager",
                staff_profile__agency_id__in=ancestors,
            )
            | Q(
                staff_profile__role="provincial_analyst",
                staff_profile__province_code__in=provinces,
            )
        )
    )
    people = list(
        users.order_by("username").values_list(
            "pk",
            "username",
            "staff_profile__role",
            "staff_profile__agency_id",
            "staff_profile__province_code",
        )
    )
    for response in responses:
        above = _ancestors(response)
        response.assignees = [
            (pk, name)
            for pk, name, role, agency_id, province in people
            if (role == "agency_manager" and agency_id in above)
            or (
                role == "provincial_analyst"
                and province == response.agency.province_code
            )
        ]
    return [(pk, name) for pk, name, *_rest in people]


def _ancestors(response: Response) -> set[int]:
    """The response's agency and every agency above it (ids, from its path)."""
    return {int(pk) for pk in response.agency.path.strip("/").split("/") if pk}
