"""Running the bot: serving, the webhook, the operators' endpoint, logs."""
