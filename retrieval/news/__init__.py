"""News that comes to the reader: followed topics, digests, timelines, follow-up questions.

Above answering: it uses the engine's public methods and the backend protocol only,
so it works the same over the embedded index and over Xapian shards.
"""
