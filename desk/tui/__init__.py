"""The Textual terminal interface of desk. The core (desk/*.py) never imports this package."""
