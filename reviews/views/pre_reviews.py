"""Before the meeting: an owner pre-reviews their tasks in a session; the manager accepts in one
click the items their owners confirmed (reviews/pre_review.py)."""

from django.contrib import messages
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.views.decorators.http import require_http_methods, require_POST

from config.form_fields import add_errors
from ownership import attestation
from ownership.models import Person
from ownership.permissions import VIEW_MAP
from reviews import pre_review, session_runner
from reviews.forms import PreReviewForm
from reviews.models import ReviewSession
from reviews.permissions import RUN


@require_http_methods(["GET", "POST"])
@permission_required(VIEW_MAP, raise_exception=True)
def pre_review_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The signed-in owner's tasks in the session, each to say still right or what is wrong."""
    session = get_object_or_404(ReviewSession, pk=pk)
    # Signed in: permission_required saw to it.
    user: AbstractBaseUser = request.user  # type: ignore[assignment]
    person = Person.objects.filter(user_id=user.pk).first() if user.pk else None
    task_ids = pre_review.owners_in(session).get(person.pk, []) if person else []
    tasks = attestation.owned_by(person, task_ids) if person else []
    form = PreReviewForm(request.POST or None, tasks=tasks)
    if request.method == "POST" and person is not None and form.is_valid():
        right, wrong = form.said()
        values = form.values()
        try:
            pre_review.record_pre_review(
                session=session, person=person, right=right, wrong=wrong, by=user, values=values
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request,
                f"Noted: {len(right)} still right, {len(wrong)} with something wrong"
                + (
                    f", {len(values)} metric value{'s' if len(values) != 1 else ''}"
                    if values
                    else ""
                )
                + ". The meeting walks only what is not right.",
            )
            return redirect("reviews:pre_review", pk=session.pk)
    said = pre_review.words(session, task_ids)
    context = {"session": session, "form": form, "said": said, "person": person}
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "reviews/pre_review.html", context, status=status)


@require_POST
@permission_required(RUN, raise_exception=True)
def accept_confirmed(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm what owners confirmed: one item (item=<id>) or all of them."""
    session = get_object_or_404(ReviewSession, pk=pk)
    manager: AbstractBaseUser = request.user  # type: ignore[assignment]
    raw = request.POST.get("item", "")
    item_ids = [int(raw)] if raw.isdigit() and len(raw) < 12 else None
    try:
        count = session_runner.accept_owner_confirmed(
            session=session, by=manager, item_ids=item_ids
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if count:
            messages.success(request, f"Accepted {count} item{pluralize(count)} as confirmed.")
        else:
            messages.info(request, "Nothing to accept: the item changed since the page opened.")
    return redirect("reviews:session", pk=session.pk)
