"""``python -m lowrank_anim`` runs the same CLI as ``render.py``."""

from lowrank_anim.cli.app import main

main()
