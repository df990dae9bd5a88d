"""The Xapian backend: chunks spread over shard databases served by xapian-tcpsrv.

schema: where a file lives and how a chunk becomes a Xapian document; writer:
`newsbot index --backend xapian`; exact: BM25Okapi's scores and the candidate
bound; search: the combined database over the shards, with fault handling.
Only this package imports xapian (the optional `xapian` extra).
"""
