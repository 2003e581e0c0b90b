"""The command line: the click commands ``render.py`` runs, and the generated README blocks."""
