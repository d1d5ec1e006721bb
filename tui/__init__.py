"""vialbook's front ends: the Typer command line and the Textual app."""
