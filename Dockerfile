# newsbot: the Discord bot (default) or the CLI, offline, as a non-root user.
#   docker build -t newsbot .
#   docker run --rm --network none -v "$PWD/news:/data/corpus:ro" -v newsbot-index:/data/index \
#       newsbot newsbot ask "Who chaired the meeting?"
# BASE may be any Debian-like image; one without Python gets Debian's python3.
ARG BASE=python:3.11-slim

FROM ${BASE} AS build
RUN if ! command -v python3 >/dev/null 2>&1; then \
        apt-get update && \
        apt-get install -y --no-install-recommends python3 python3-venv ca-certificates && \
        rm -rf /var/lib/apt/lists/*; \
    fi
WORKDIR /src
COPY pyproject.toml README.md ./
COPY retrieval retrieval
COPY bot bot
COPY cli cli
# A CA bundle for TLS-intercepting proxies reaches pip only, as a build secret: never a layer.
RUN --mount=type=secret,id=pip_ca \
    python3 -m venv /opt/newsbot && \
    if [ -s /run/secrets/pip_ca ]; then export PIP_CERT=/run/secrets/pip_ca; fi && \
    /opt/newsbot/bin/pip install --no-cache-dir --disable-pip-version-check '.[xapian]' && \
    find /opt/newsbot -name '__pycache__' -prune -exec rm -rf {} + && \
    TIKTOKEN_CACHE_DIR=/opt/tiktoken /opt/newsbot/bin/python -c \
        "from retrieval.text.encoding import get_encoding; get_encoding('cl100k_base'); get_encoding('o200k_base')"

FROM ${BASE}
RUN if ! command -v python3 >/dev/null 2>&1; then \
        apt-get update && \
        apt-get install -y --no-install-recommends python3 && \
        rm -rf /var/lib/apt/lists/* /var/cache/apt/*; \
    fi && \
    useradd --uid 10001 --user-group --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin newsbot && \
    mkdir -p /data/corpus /data/index && chown 10001:10001 /data/index
COPY --from=build /opt/newsbot /opt/newsbot
COPY --from=build /opt/tiktoken /opt/tiktoken
COPY docker/config.yaml /etc/newsbot/config.yaml
ENV PATH=/opt/newsbot/bin:$PATH \
    NEWSBOT_CONFIG=/etc/newsbot/config.yaml \
    TIKTOKEN_CACHE_DIR=/opt/tiktoken \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
VOLUME ["/data/index"]
USER 10001:10001
WORKDIR /data
HEALTHCHECK --interval=30s --timeout=10s --start-period=120s --retries=3 CMD ["newsbot", "health"]
STOPSIGNAL SIGTERM
CMD ["newsbot", "serve"]
