"""The lookup's own words: the thesaurus (Search words), the questions nobody got an answer to,
and the words people learned to use for a task. Ops leads manage them; everyone is helped."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from config.form_fields import add_errors
from ownership.forms import AnswerQuestionForm, SynonymForm
from ownership.lookup import learning, thesaurus
from ownership.models import AskedQuestion, SearchSynonym, TaskPhrase
from ownership.permissions import EDIT_MAP

RECENT_CHANGES = 15


def _page(request: HttpRequest, form: SynonymForm, status: int = 200) -> HttpResponse:
    entries = SearchSynonym.objects.order_by("-is_active", "built_in", "words", "id")
    changes = SearchSynonym.history.select_related("history_user").order_by("-history_date")
    context = {
        "form": form,
        "own": [s for s in entries if not s.built_in],
        "built_in": [s for s in entries if s.built_in],
        "changes": changes[:RECENT_CHANGES],
    }
    return render(request, "ownership/search_words.html", context, status=status)


@require_http_methods(["GET", "POST"])
@permission_required(EDIT_MAP, raise_exception=True)
def search_words(request: HttpRequest) -> HttpResponse:
    form = SynonymForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            synonym = thesaurus.add_synonym(**form.cleaned_data, by=request.user)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"“{synonym}” is a search word now.")
            return redirect("ownership:search_words")
    return _page(request, form, status=400 if form.errors else 200)


@require_POST
@permission_required(EDIT_MAP, raise_exception=True)
def search_word_remove(request: HttpRequest, pk: int) -> HttpResponse:
    synonym = get_object_or_404(SearchSynonym, pk=pk)
    thesaurus.remove_synonym(synonym=synonym, by=request.user)
    messages.success(request, f"“{synonym.words}” no longer leads anywhere in the lookup.")
    return redirect("ownership:search_words")


@require_POST
@permission_required(EDIT_MAP, raise_exception=True)
def search_word_restore(request: HttpRequest, pk: int) -> HttpResponse:
    synonym = get_object_or_404(SearchSynonym, pk=pk)
    try:
        thesaurus.restore_synonym(synonym=synonym, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"“{synonym.words}” is back in the lookup.")
    return redirect("ownership:search_words")


@require_POST
@permission_required(EDIT_MAP, raise_exception=True)
def question_answer(request: HttpRequest, pk: int) -> HttpResponse:
    """One click on the dashboard's card: the question's words become an alias of a task."""
    question = get_object_or_404(AskedQuestion, pk=pk)
    form = AnswerQuestionForm(request.POST)
    if form.is_valid():
        try:
            task = learning.answer_question(
                question=question, task_name=form.cleaned_data["task"], by=request.user
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"“{question.words}” now finds “{task.name}”.")
    else:
        messages.error(request, "Name the task these words are about.")
    return redirect("ownership:dashboard")


@require_POST
@permission_required(EDIT_MAP, raise_exception=True)
def question_set_aside(request: HttpRequest, pk: int) -> HttpResponse:
    question = get_object_or_404(AskedQuestion, pk=pk)
    learning.set_aside_question(question=question)
    messages.success(request, f"“{question.words}” is set aside.")
    return redirect("ownership:dashboard")


@require_POST
@permission_required(EDIT_MAP, raise_exception=True)
def phrase_promote(request: HttpRequest, pk: int) -> HttpResponse:
    phrase = get_object_or_404(TaskPhrase.objects.select_related("task"), pk=pk)
    learning.promote_phrase(phrase=phrase, by=request.user)
    messages.success(request, f"“{phrase.words}” is an alias of this task now.")
    return redirect(phrase.task)


@require_POST
@permission_required(EDIT_MAP, raise_exception=True)
def phrase_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    phrase = get_object_or_404(TaskPhrase.objects.select_related("task"), pk=pk)
    learning.dismiss_phrase(phrase=phrase, by=request.user)
    messages.success(request, f"“{phrase.words}” no longer finds this task.")
    return redirect(phrase.task)
