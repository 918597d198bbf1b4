"""One handler per use case, in small groups; `UseCases.handle` runs a command through its handler."""
