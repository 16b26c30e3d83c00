"""Qt item models over the frozen rows the core queries return; they only format."""
