# newsbot container image.
#   docker build -t newsbot .
#   docker run -d --name newsbot --restart unless-stopped \
#     --env-file newsbot.env \                      # NEWSBOT_TOKEN=...
#     -v "$PWD/config.toml:/config/config.toml:ro" \
#     -v newsbot-data:/data \
#     newsbot
# config.toml must use [storage] database = "/data/newsbot.sqlite3". See README "Docker".

# --- build: install newsbot and its dependencies into a virtualenv --------------------
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/newsbot
WORKDIR /src
# Only what the package needs (see .dockerignore): no tests, benchmarks or local data.
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY jobs ./jobs
RUN /opt/newsbot/bin/pip install --no-compile . \
    && /opt/newsbot/bin/python -m compileall -q /opt/newsbot/lib

# --- runtime --------------------------------------------------------------------------
FROM python:3.11-slim
RUN groupadd --system --gid 10001 newsbot \
    && useradd --system --uid 10001 --gid newsbot --home-dir /data --no-create-home \
       --shell /usr/sbin/nologin newsbot \
    && mkdir -p /data /config \
    && chown newsbot:newsbot /data
COPY --from=build /opt/newsbot /opt/newsbot
ENV PATH=/opt/newsbot/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    NEWSBOT_CONFIG=/config/config.toml
WORKDIR /data
# The SQLite database (+ -wal/-shm) lives here: keep it on a volume, never in the layer.
VOLUME ["/data"]
USER 10001:10001
# 9108: [http] /healthz and /metrics (set http.host = "0.0.0.0" to publish it);
# 8443: the webhook listener in webhook mode (telegram.webhook_listen = "0.0.0.0").
EXPOSE 9108 8443
# Probes /healthz when [http] enabled = true; with [http] disabled it exits 0 and the
# status says nothing (documented): enable [http] for a real container health status.
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["python", "-m", "bot.ops.healthcheck"]
# SIGTERM drains (in-flight sends finish, the lease is released): give it time with
# `docker stop -t 90` / stop_grace_period: 90s.
STOPSIGNAL SIGTERM
ENTRYPOINT ["newsbot"]
CMD ["run"]
