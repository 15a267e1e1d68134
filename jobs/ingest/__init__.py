"""Ingesting: a source's bytes to stored stories, fetch > parse > split > tag > store."""
