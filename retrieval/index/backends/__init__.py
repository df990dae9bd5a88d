"""The seam between answering and an index: what the engine asks of any backend.

`base` names the contract (filters, chunk records, ranked results); `embedded`
is the in-process BM25 index; `shards` is Xapian over remote shard databases.
Analysis, answers, abstention and the cards are the same code above both.
"""
