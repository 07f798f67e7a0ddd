"""Edit builders shared by rules, and applying fixes to files."""
