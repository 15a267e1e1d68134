"""Getting messages to chats: the outbox sender, its messages, the rate limiter."""
