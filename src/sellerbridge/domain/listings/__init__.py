"""Rules of what the hub tells Amazon about its listings (issue 11: E1-E3)."""
