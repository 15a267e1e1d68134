"""What people see: rendering, keyboards, texts, languages, the settings file."""
