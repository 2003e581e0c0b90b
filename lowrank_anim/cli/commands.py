"""The command line's old address: the ``lowrank-anim`` console script (``pyproject.toml``), the
notebook and ``python -m lowrank_anim`` import the CLI from here.  The commands live by job in
:mod:`lowrank_anim.cli.app` (the group) and the modules it names.
"""

from lowrank_anim.cli.app import cli, main, one_line
from lowrank_anim.cli.render import plan_render

__all__ = ["cli", "main", "one_line", "plan_render"]

if __name__ == "__main__":
    main()
