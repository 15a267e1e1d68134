"""The operators' feed list: OPML in and out, feed incidents and their alerts."""
