"""The built-in rules. Each module registers its rules on import."""
