# One newsbot shard: Debian's xapian-tcpsrv serving the database in /data/shard.
#   docker build -f docker/xapian-shard.Dockerfile -t newsbot-shard docker
# --writable lets `newsbot index --backend xapian` write through the same port; the remote
# protocol has no authentication or TLS, so run it on a private network only.
ARG BASE=debian:bookworm-slim
FROM ${BASE}
RUN apt-get update && \
    apt-get install -y --no-install-recommends xapian-tools && \
    rm -rf /var/lib/apt/lists/* /var/cache/apt/* && \
    useradd --uid 10002 --user-group --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin shard && \
    mkdir -p /data && chown 10002:10002 /data
VOLUME ["/data"]
USER 10002:10002
EXPOSE 33333
STOPSIGNAL SIGTERM
CMD ["xapian-tcpsrv", "--writable", "--port", "33333", "/data/shard"]
