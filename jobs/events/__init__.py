"""Events: stories of different outlets that report one happening.

``features`` turns a story into the terms that identify its happening;
``grouper`` joins each new story to the event of its best match among the
recent stories that share its rarer terms, or starts a new event.
"""
