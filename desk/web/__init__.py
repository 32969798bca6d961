"""The desk in a browser: ``desk serve`` (desk.web.server) over textual-serve.

A front end beside desk.tui: it runs no desk itself; each browser tab is a ``desk ui`` process
started for the person the server authenticated.
"""
