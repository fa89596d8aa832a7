"""Address classification for SSRF defence (pure: DNS answers are passed in)."""
