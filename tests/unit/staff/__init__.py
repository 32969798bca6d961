"""Identity and the admin's staff actions."""
