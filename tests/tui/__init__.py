"""Terminal-interface tests: the app driven with Textual's Pilot on a real test desk."""
