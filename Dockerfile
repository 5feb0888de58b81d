# Lexflow server image: gunicorn serving Django and the built web app; the same image runs
# the timer worker.

# The web app (frontend/) is built in its own stage; only its dist/ reaches the server image.
FROM node:20-bookworm-slim AS frontend
WORKDIR /frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend/ ./
RUN npm run build

FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
# Pango for WeasyPrint's PDFs, Noto CJK for Chinese documents, libpq for psycopg.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk libpq5 \
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

RUN useradd --create-home lexflow && mkdir -p /app/var/media && chown -R lexflow /app/var
USER lexflow
EXPOSE 8000
CMD ["gunicorn", "server.config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "2"]
