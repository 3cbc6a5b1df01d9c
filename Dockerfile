FROM python:3.13-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
RUN useradd --create-home --uid 1000 ownermap

COPY pyproject.toml README.md requirements.lock ./
COPY config ./config
COPY ownership ./ownership
COPY tasks_registry ./tasks_registry
COPY reviews ./reviews
RUN pip install . -c requirements.lock

COPY manage.py ./
COPY templates ./templates
COPY static ./static
# collectstatic needs settings to load, not a real secret.
RUN DJANGO_SECRET_KEY=collectstatic-only python manage.py collectstatic --no-input \
    && mkdir -p /app/var/beat && chown -R ownermap /app/var

USER ownermap
EXPOSE 8000
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--no-control-socket", "--access-logfile", "-"]
