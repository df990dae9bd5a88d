# One newsbot shard: Debian's xapian-tcpsrv serving the shard folder /data, read-only.
#   docker build -f docker/xapian-shard.Dockerfile -t newsbot-shard docker
# `newsbot index --backend xapian` writes the folder itself (mounted in the indexer as one of
# xapian.folders): a new generation, then the XAPIANDB stub switched (docs/scale-out.md).
# Until the first build the stub names an empty database. The server is PID 1 of its own
# container, so stopping it (SIGTERM to its process group) stops only this shard. The remote
# protocol has no authentication or TLS: run it on a private network only.
# The shard user has the indexer's uid (newsbot's image: 10001), which writes the volume.
ARG BASE=debian:bookworm-slim
FROM ${BASE}
RUN apt-get update && \
    apt-get install -y --no-install-recommends xapian-tools && \
    rm -rf /var/lib/apt/lists/* /var/cache/apt/* && \
    useradd --uid 10001 --user-group --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin shard && \
    mkdir -p /data && chown 10001:10001 /data
VOLUME ["/data"]
USER 10001:10001
EXPOSE 33333
STOPSIGNAL SIGTERM
CMD ["sh", "-c", "test -e /data/XAPIANDB || echo inmemory > /data/XAPIANDB; exec xapian-tcpsrv --port 33333 /data"]
