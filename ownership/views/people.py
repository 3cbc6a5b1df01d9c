"""People and teams: who is in the map, what each holds, and the handover when someone leaves."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config.form_fields import add_errors
from config.merging import THEIRS, YOURS, Clash, ClashingEdit, StaleEdit, clash_rows
from config.rendering import HtmxRequest, render_page
from ownership import chat
from ownership.drafts import hold_person, in_draft
from ownership.forms import AwayForm, DepartedForm, PersonForm, ReachForm, TeamForm
from ownership.models import Assignment, Person, Role, Team
from ownership.people_changes import (
    create_person,
    create_team,
    find_person,
    hand_over,
    handover_plan,
    mark_away,
    mark_departed,
    mark_returned,
    other_roles,
    person_label,
    set_reach,
    update_person_merging,
    update_team_merging,
)
from ownership.permissions import EDIT_MAP, VIEW_MAP
from tasks_registry.models import Criticality

PEOPLE_PER_PAGE = 100


def _owned_counts():
    active = Q(assignments__task__is_active=True)
    return {
        "owned": Count("assignments", filter=active & Q(assignments__role=Role.OWNER)),
        "critical": Count(
            "assignments",
            filter=active
            & Q(assignments__role=Role.OWNER, assignments__task__criticality=Criticality.CRITICAL),
        ),
        "backing": Count("assignments", filter=active & Q(assignments__role=Role.BACKUP)),
    }


@require_GET
@permission_required(VIEW_MAP, raise_exception=True)
def person_list(request: HttpRequest) -> HttpResponse:
    # NUL is refused by PostgreSQL and in nobody's name: drop it rather than fail.
    query = request.GET.get("q", "").replace("\x00", "").strip()[:100]
    people = (
        Person.objects.select_related("team").annotate(**_owned_counts()).order_by("name", "pk")
    )
    if query:
        people = people.filter(
            Q(name__icontains=query) | Q(email__icontains=query) | Q(team__name__icontains=query)
        )
    page = Paginator(people, PEOPLE_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "query": query,
        "today": timezone.localdate(),
        "limit": settings.OWNERMAP_MAX_CRITICAL_TASKS,
    }
    return render_page(request, "ownership/person_list.html", context, partial="people-table")


@require_GET
@permission_required(VIEW_MAP, raise_exception=True)
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The map by person: what they own, back up and contribute to, and their critical load."""
    person = get_object_or_404(Person.objects.select_related("team", "user"), pk=pk)
    held = list(
        Assignment.objects.filter(person=person, task__is_active=True)
        .select_related("task__stage")
        .order_by("task__stage__order", "task__name")
    )
    by_role = {role: [a.task for a in held if a.role == role] for role in Role}
    critical = sum(1 for task in by_role[Role.OWNER] if task.criticality == Criticality.CRITICAL)
    context = {
        "person": person,
        "owns": by_role[Role.OWNER],
        "backs_up": by_role[Role.BACKUP],
        "other": [
            (a.get_role_display(), a.task) for a in held if a.role not in (Role.OWNER, Role.BACKUP)
        ],
        "critical": critical,
        "limit": settings.OWNERMAP_MAX_CRITICAL_TASKS,
        "today": timezone.localdate(),
        "away_form": AwayForm(initial={"away_until": person.away_until}),
        "departed_form": DepartedForm(initial={"departed_on": timezone.localdate()}),
        "reach_form": ReachForm(initial={"reach": person.reach}, chat_ready=chat.can_reach(person)),
        "slack_on": chat.is_on(),
    }
    return render(request, "ownership/person_detail.html", context)


@require_http_methods(["GET", "POST"])
@permission_required(EDIT_MAP, raise_exception=True)
def person_create(request: HttpRequest) -> HttpResponse:
    form = PersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            person = create_person(by=request.user, **form.changes())
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"{person.name} joins the map.")
            return redirect("ownership:person_detail", pk=person.pk)
    return render(request, "ownership/person_form.html", {"form": form, "person": None})


@require_http_methods(["GET", "POST"])
@permission_required(EDIT_MAP, raise_exception=True)
def person_edit(request: HtmxRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(Person, pk=pk)
    form = PersonForm(request.POST or None, initial=PersonForm.initial_for(person))
    clashes: list[dict] = []
    draft = in_draft(request)
    if request.method == "POST" and draft is not None and form.is_valid():
        # Draft mode: their team and title are held in the draft; the rest is not drafted.
        others = [name for name in form.changed_data if name not in ("team", "title", "version")]
        for name in others:
            form.add_error(
                name,
                f"Draft mode holds a person's team and title only: leave “{draft.name}” to "
                "change this on the live map.",
            )
        if not others:
            data = form.cleaned_data
            hold_person(
                draft=draft, person=person, by=request.user, team=data["team"], title=data["title"]
            )
            messages.success(request, f"Held in the draft “{draft.name}”: not made live.")
            return redirect("ownership:person_detail", pk=person.pk)
    elif request.method == "POST" and form.is_valid():
        try:
            saved = update_person_merging(
                person=person,
                by=request.user,
                expected_version=form.cleaned_data["version"] or person.version,
                keep=_kept(request, PersonForm.FIELDS),
                **form.changes(),
            )
        except ClashingEdit as error:
            person, clashes = error.record, _clash_rows(Person, error.clashes)
        except StaleEdit as error:
            person = error.record
            form = _save_again(PersonForm, request, person, PersonForm.initial_for(person))
        except ValidationError as error:
            add_errors(form, error)
        else:
            note = ""
            if saved.role_changed_at and saved.role_changed_at != person.role_changed_at:
                note = " Their change of role flags what they own on the dashboard, to confirm."
            messages.success(request, f"{saved.name} is saved.{note}")
            return redirect("ownership:person_detail", pk=saved.pk)
    context = {"form": form, "person": person, "clashes": clashes}
    return render(request, "ownership/person_form.html", context, status=409 if clashes else 200)


@require_POST
@permission_required(EDIT_MAP, raise_exception=True)
def person_away(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(Person, pk=pk)
    form = AwayForm(request.POST)
    if form.is_valid():
        try:
            saved = mark_away(person=person, until=form.cleaned_data["away_until"], by=request.user)
        except ValidationError as error:
            add_errors(form, error)
        else:
            until = saved.away_until
            messages.success(
                request,
                f"{saved.name} is away until {until:%-d %b %Y}: their backups act meanwhile."
                if until
                else f"{saved.name} is back.",
            )
            return redirect("ownership:person_detail", pk=pk)
    messages.error(request, " ".join(m for errors in form.errors.values() for m in errors))
    return redirect("ownership:person_detail", pk=pk)


@require_POST
@permission_required(EDIT_MAP, raise_exception=True)
def person_departed(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(Person, pk=pk)
    form = DepartedForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the day they leave (or left).")
        return redirect("ownership:person_detail", pk=pk)
    mark_departed(person=person, on=form.cleaned_data["departed_on"], by=request.user)
    if handover_plan(person) or other_roles(person).exists():
        return redirect("ownership:person_handover", pk=pk)
    messages.success(request, f"{person.name} is marked as departed. They held no tasks.")
    return redirect("ownership:person_detail", pk=pk)


@require_POST
@permission_required(EDIT_MAP, raise_exception=True)
def person_returned(request: HttpRequest, pk: int) -> HttpResponse:
    person = mark_returned(person=get_object_or_404(Person, pk=pk), by=request.user)
    messages.success(request, f"{person.name} is no longer marked as departed.")
    return redirect("ownership:person_detail", pk=pk)


@require_http_methods(["GET", "POST"])
@permission_required(EDIT_MAP, raise_exception=True)
def person_handover(request: HttpRequest, pk: int) -> HttpResponse:
    """Everything a departing person owns or backs up, reassigned in one step."""
    person = get_object_or_404(Person, pk=pk)
    plan = handover_plan(person)
    others = list(other_roles(person))
    typed = {item.field_name: request.POST.get(item.field_name, "") for item in plan}
    errors: dict[str, str] = {}
    if request.method == "POST" and any(item.field_name not in request.POST for item in plan):
        # They took on a role after this page was opened: nobody has chosen who gets it.
        errors["__all__"] = (
            f"{person.name} took on another role since this page was opened: "
            "nothing was handed over. Check the list below and hand over again."
        )
    elif request.method == "POST":
        successors = {}
        for item in plan:
            text = typed[item.field_name].strip()
            try:
                successors[item.assignment.pk] = find_person(text) if text else None
            except ValidationError as error:
                errors[item.field_name] = " ".join(error.messages)
        if not errors:
            try:
                moved = hand_over(
                    person=person,
                    successors=successors,
                    drop_other_roles=request.POST.get("drop_other_roles") == "on",
                    by=request.user,
                )
            except ValidationError as error:
                errors["__all__"] = " ".join(error.messages)
            else:
                messages.success(
                    request,
                    f"Handed over {moved} role{'s' if moved != 1 else ''} from {person.name}.",
                )
                return redirect("ownership:person_detail", pk=pk)
    else:
        typed = {
            item.field_name: person_label(item.successor) if item.successor else "" for item in plan
        }
    rows = [(item, typed[item.field_name], errors.get(item.field_name, "")) for item in plan]
    context = {
        "person": person,
        "rows": rows,
        "others": others,
        "error": errors.get("__all__", ""),
        "has_errors": bool(errors),
        "today": timezone.localdate(),
    }
    return render(request, "ownership/person_handover.html", context, status=200)


# --- Teams -----------------------------------------------------------------------------------


@require_GET
@permission_required(VIEW_MAP, raise_exception=True)
def team_list(request: HttpRequest) -> HttpResponse:
    teams = Team.objects.select_related("lead").annotate(people=Count("members", distinct=True))
    return render(request, "ownership/team_list.html", {"teams": teams})


@require_http_methods(["GET", "POST"])
@permission_required(EDIT_MAP, raise_exception=True)
def team_create(request: HttpRequest) -> HttpResponse:
    form = TeamForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            team = create_team(by=request.user, **form.changes())
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"The {team.name} team is on the map.")
            return redirect("ownership:team_detail", slug=team.slug)
    return render(request, "ownership/team_form.html", {"form": form, "team": None})


@require_http_methods(["GET", "POST"])
@permission_required(EDIT_MAP, raise_exception=True)
def team_edit(request: HtmxRequest, slug: str) -> HttpResponse:
    team = get_object_or_404(Team.objects.select_related("lead"), slug=slug)
    initial = {
        "name": team.name,
        "description": team.description,
        "lead": person_label(team.lead) if team.lead else "",
        "version": team.version,
    }
    form = TeamForm(request.POST or None, initial=initial)
    clashes: list[dict] = []
    if request.method == "POST" and form.is_valid():
        try:
            saved = update_team_merging(
                team=team,
                by=request.user,
                expected_version=form.cleaned_data["version"] or team.version,
                keep=_kept(request, TeamForm.FIELDS),
                **form.changes(),
            )
        except ClashingEdit as error:
            team, clashes = error.record, _clash_rows(Team, error.clashes)
        except StaleEdit as error:
            team = error.record
            form = _save_again(TeamForm, request, team, initial)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"The {saved.name} team is saved.")
            return redirect("ownership:team_detail", slug=saved.slug)
    context = {"form": form, "team": team, "clashes": clashes}
    return render(request, "ownership/team_form.html", context, status=409 if clashes else 200)


def _save_again[F: PersonForm | TeamForm](
    form_class: type[F], request: HttpRequest, record: Person | Team, initial: dict
) -> F:
    """The form as sent, bound to the version saved meanwhile, saying so: when the history
    holds no version to merge with, saving again replaces theirs."""
    data = request.POST.copy()
    data["version"] = str(record.version)
    form = form_class(data, initial=initial)
    form.is_valid()
    what = record._meta.verbose_name
    form.add_error(None, f"Someone else saved this {what} meanwhile: save again to replace.")
    return form


def _kept(request: HttpRequest, fields: tuple[str, ...]) -> dict[str, str]:
    """Whose value stays, for the fields both people changed (offered after a clash)."""
    return {
        name: choice
        for name in fields
        if (choice := request.POST.get(f"keep_{name}")) in (YOURS, THEIRS)
    }


def _clash_rows(model: type[Person] | type[Team], clashes: list[Clash]) -> list[dict]:
    """clash_rows, with teams and people by name."""
    rows = clash_rows(model, clashes)
    names = {
        "team": dict(Team.objects.values_list("pk", "name")),
        "lead": dict(Person.objects.values_list("pk", "name")),
    }
    for row in rows:
        if row["field"] in names:
            found = names[row["field"]]
            row |= {side: found.get(row[side], "—") for side in ("original", "theirs", "yours")}
    return rows


@require_POST
@permission_required(VIEW_MAP, raise_exception=True)
def person_reach(request: HtmxRequest, pk: int) -> HttpResponse:
    """Someone chooses, on their own page, how Ownermap reaches them."""
    person = get_object_or_404(Person, pk=pk)
    if person.user_id != request.user.pk:
        raise PermissionDenied("Only the person themself chooses how they hear.")
    form = ReachForm(request.POST, chat_ready=chat.can_reach(person))
    if form.is_valid():
        try:
            saved = set_reach(person=person, reach=form.cleaned_data["reach"], by=request.user)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"Noted: {saved.get_reach_display().lower()}.")
            return redirect("ownership:person_detail", pk=pk)
    messages.error(request, " ".join(str(m) for errors in form.errors.values() for m in errors))
    return redirect("ownership:person_detail", pk=pk)
