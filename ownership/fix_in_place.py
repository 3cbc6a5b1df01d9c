"""Fix it in place: a gap fixed where it is shown, on the dashboard, the task page or a review
item, through one helper and one partial (ownership/_fix.html).

A page says where its fixes post and what a successful one swaps (a FixPlace); the helper binds
the fix form, makes the change through its write function, and answers: on success whatever the
page shows after the change (its own fragment, with out-of-band updates where it has them); on
refusal the same form again with its errors, where it was typed, and nothing written."""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import register_converter
from django_htmx.http import reswap, retarget

from config.form_fields import add_errors
from config.merging import StaleEdit
from config.rendering import HtmxRequest
from ownership.drafts import hold_part, in_draft
from ownership.fixes import FIXES, Fix, Owner
from ownership.models import Draft, Role
from tasks_registry.models import Task

PARTIAL = "ownership/_fix.html"


class FixKindConverter:
    """<fix:kind> in a URL pattern: the name of one of the fixes (owner, keep-owner…)."""

    regex = "|".join(re.escape(kind) for kind in FIXES)

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


# Registered on import: the URL modules that use it import this module first.
register_converter(FixKindConverter, "fix")
_FORM_ID = re.compile(r"fix-[\w-]{1,100}")


@dataclass
class FixPlace:
    """Where a page shows its fixes: the URL a fix of a kind posts to (for a task or a row of
    the gap report), the element a successful fix swaps, the page's state to keep (filters, the
    page number), and whether the page is compact (labels hidden, long fields folded)."""

    action: Callable[[Any, str], str]
    target: str
    keep: Mapping[str, str] = field(default_factory=dict)
    compact: bool = False
    # A fix refused without JavaScript: drawn instead of a fresh one where its id matches.
    refused: Fix | None = None

    def form(
        self,
        fix: type[Fix],
        *,
        task: Any,
        owner: Owner | None,
        form_id: str,
        data: Mapping[str, Any] | None = None,
    ) -> Fix:
        if data is None and self.refused is not None and self.refused.form_id == form_id:
            return self.refused
        return fix(
            data,
            task=task,
            owner=owner,
            form_id=form_id,
            action=self.action(task, fix.kind),
            target=self.target,
            keep=self.keep,
            compact=self.compact,
        )


def posted_form_id(request: HtmxRequest, default: str) -> str:
    """The id of the form a fix was typed in (a task may show the same fix in several places on
    one page): the refused form goes back to that element."""
    posted = request.POST.get("fix_id", "")
    return posted if _FORM_ID.fullmatch(posted) else default


def fix_class(kind: str) -> type[Fix]:
    try:
        return FIXES[kind]
    except KeyError:
        raise Http404(f"No fix “{kind}”.") from None


def fix_in_place(
    request: HtmxRequest,
    fix: Fix,
    *,
    task: Task,
    fixed: Callable[[str], HttpResponse],
    refused: Callable[[Fix], HttpResponse],
    refusal: str = "",
) -> HttpResponse:
    """Make the fix (a form bound to what was posted) unless `refusal` says why not. `fixed`
    answers with the notice of the change; `refused` draws the page again, without JavaScript,
    with the form and its errors. In draft mode the fix is held in the draft instead."""
    draft = in_draft(request)
    if draft is not None and not refusal:
        return _hold_in_draft(request, fix, draft, task=task, fixed=fixed, refused=refused)
    if refusal:
        fix.is_valid()
        fix.add_error(None, refusal)
    elif fix.is_valid():
        try:
            notice = fix.save(task=task, by=request.user)
        except StaleEdit as error:
            # Their version becomes the one the next save replaces; the text typed is kept.
            fix = fix.rebound({**request.POST.dict(), "version": error.record.version})
            fix.is_valid()
            fix.add_error(None, fix.conflict_message(error.record))
        except ValidationError as error:
            add_errors(fix, error)
        else:
            return fixed(notice)
    return _answer_refused(request, fix, refused)


# The fixes a draft holds, by the role they fill; the others change the live map only.
DRAFTED_FIXES = {"owner": Role.OWNER, "backup": Role.BACKUP}


def _hold_in_draft(
    request: HtmxRequest,
    fix: Fix,
    draft: Draft,
    *,
    task: Task,
    fixed: Callable[[str], HttpResponse],
    refused: Callable[[Fix], HttpResponse],
) -> HttpResponse:
    """A new owner or backup held in the draft; any other fix refused while in draft mode."""
    role = DRAFTED_FIXES.get(fix.kind)
    if role is None:
        fix.is_valid()
        fix.add_error(
            None,
            "Draft mode holds people's parts, teams and titles and tasks' stages and "
            f"criticality: leave “{draft.name}” to change this on the live map.",
        )
    elif fix.is_valid():
        try:
            person = fix.cleaned_data["person"]
            hold_part(draft=draft, task=task, person=person, role=role, by=request.user)
        except ValidationError as error:
            add_errors(fix, error)
        else:
            return fixed(f"Held in the draft “{draft.name}”: not made live.")
    return _answer_refused(request, fix, refused)


def _answer_refused(
    request: HtmxRequest, fix: Fix, refused: Callable[[Fix], HttpResponse]
) -> HttpResponse:
    if request.htmx:
        response = render(request, PARTIAL, {"fix": fix})
        return reswap(retarget(response, f"#{fix.form_id}"), "outerHTML")
    return refused(fix)
