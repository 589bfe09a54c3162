"""One router per resource: answers (ask, chat), search, documents, health."""
