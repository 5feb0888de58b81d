# Lexflow server image: gunicorn serving Django; the same image runs the timer worker.
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

RUN useradd --create-home lexflow && mkdir -p /app/var && chown lexflow /app/var
USER lexflow
EXPOSE 8000
CMD ["gunicorn", "server.config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "2"]
