"""The Textual app: login, the clinic dashboard, the movement log and infusion entry."""
