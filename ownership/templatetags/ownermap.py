"""Small template helpers for the map's pages."""

from django import template

register = template.Library()


@register.simple_tag
def fix_form_id(task_pk: int, section: str, kind: str) -> str:
    """The id of one fix form on the dashboard: a task may show in several sections."""
    return f"fix-{task_pk}-{section}-{kind}"


@register.filter
def get_item(mapping: dict, key: str):
    return mapping.get(key) if mapping else None


@register.filter
def gap_detail(row, rule) -> str:
    """A task's gap in words (TaskGaps.detail), for a template."""
    return row.detail(rule)


@register.simple_tag
def occurrence_key(task_pk: int, day) -> str:
    """Names one occurrence, so a refused confirmation shows its errors at its own form."""
    return f"{task_pk}:{day.isoformat() if day else ''}"
