"""Text for people and platforms: the one sanitiser for terminals, and reply length as each platform counts it."""
