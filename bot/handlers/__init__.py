"""Command, button and chat-member handlers: parse, call storage, render, reply."""
