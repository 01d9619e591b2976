# The salesflow worker image (used by docker-compose.yml's `worker` service).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first, from pyproject.toml's [project].dependencies (as the Makefile does),
# so that this layer is rebuilt only when they change.
COPY pyproject.toml ./
RUN python -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; print('\n'.join(p['dependencies']))" > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

COPY . .

# Run as an unprivileged user; /data/documents is created here so that a new named
# volume mounted on it starts out owned by that user.
RUN useradd --system --uid 10001 --create-home salesflow \
    && mkdir -p /data/documents \
    && chown -R salesflow /data
USER salesflow

ENV SALESFLOW_DATA_DIR=/data \
    SALESFLOW_DOCUMENTS_DIR=/data/documents

CMD ["python", "worker.py"]
