"""``python -m lowrank_anim`` runs the same CLI as ``render.py``."""

from render import main

main()
