"""Named fixtures shared by the suite (people and things, healthchecks style)."""
