"""The people of the desk: who is at the keyboard (identity) and the admin's staff actions."""
