"""Modal dialogs: pickers, prompts and forms pushed over a screen, returning a value."""
