"""The settings Mini App: a page and its JSON API on the bot's own HTTP server."""
