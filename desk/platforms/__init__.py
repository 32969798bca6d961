"""Everything about each platform, one package a platform; the core asks capabilities, never names."""
