# Lexflow server image: gunicorn serving Django and the built web app; the same image runs
# the timer worker and the document worker (`manage.py run_worker --kind timers|documents`).

# The web app (frontend/) is built in its own stage; only its dist/ reaches the server image.
FROM node:20-bookworm-slim AS frontend
WORKDIR /frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend/ ./
RUN npm run build

FROM python:3.11-slim-bookworm

ENV DJANGO_SETTINGS_MODULE=server.config.settings.production PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
# Pango for WeasyPrint's PDFs, Noto CJK for Chinese documents and HarfBuzz's subsetter (without
# libharfbuzz-subset0 every notice takes 7-14 s instead of 0.2 s), libpq for psycopg.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
       libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk libpq5 \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml ./
COPY workflows ./workflows
COPY server ./server
RUN pip install .
COPY manage.py ./
COPY bpmn ./bpmn
COPY --from=frontend /frontend/dist ./frontend/dist
RUN python -m whitenoise.compress -q frontend/dist
# The admin's and the API docs' files, hashed and compressed for whitenoise (the production
# settings' manifest storage answers 500 without them). The key is for this step only.
RUN DJANGO_SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput --verbosity 0

RUN useradd --create-home lexflow && mkdir -p /app/var/media && chown -R lexflow /app/var
USER lexflow
EXPOSE 8000
CMD ["gunicorn", "server.config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "2", "--no-control-socket"]
