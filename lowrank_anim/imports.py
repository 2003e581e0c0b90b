"""The project's import graph, read from the source with :mod:`ast` (never executed).

One parser for two jobs: the render cache keys a render on the files its scene really imports
(:func:`project_sources`), and ``tests/cli/test_architecture.py`` checks the package has no import
cycle (:func:`import_graph`, :func:`cycles`) and no import of a higher floor
(:mod:`lowrank_anim.layers`).  Every ``import`` statement counts, also those
inside functions and under ``TYPE_CHECKING``: a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterator, Sequence
from pathlib import Path

from lowrank_anim.paths import PROJECT_ROOT


def module_file(module: str, root: Path) -> Path | None:
    """The file under ``root`` that defines ``module`` (``a.b`` → ``a/b.py`` or
    ``a/b/__init__.py``), or None for a module from outside the project."""
    base = root.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def imported_modules(path: Path, module: str) -> Iterator[str]:
    """Every module name an ``import`` statement in ``path`` may load, parents included."""
    # A long-lived process (a Jupyter kernel) keys every render on this graph: parse a file
    # again only when it changed, so an unchanged cell's cache hit stays instant.
    stat = path.stat()
    return iter(_parsed_imports(path, module, stat.st_mtime_ns, stat.st_size))


@functools.lru_cache(maxsize=4096)
def _parsed_imports(path: Path, module: str, mtime_ns: int, size: int) -> tuple[str, ...]:
    return tuple(_imported_modules(path, module))


def _imported_modules(path: Path, module: str) -> Iterator[str]:
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    tree = ast.parse(path.read_bytes(), filename=str(path))
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".") if package else []
                parts = parts[: len(parts) - (node.level - 1)] if node.level > 1 else parts
                base = ".".join([*parts, *([node.module] if node.module else [])])
            else:
                base = node.module or ""
            # ``from pkg import name`` may import the submodule pkg.name.
            names = [base, *(f"{base}.{alias.name}" for alias in node.names if alias.name != "*")]
        for name in names:
            parts = name.split(".")
            yield from (".".join(parts[:i]) for i in range(1, len(parts) + 1))


def project_sources(module: str, root: Path = PROJECT_ROOT) -> list[Path]:
    """The files of ``module`` and of every project module it imports, transitively,
    with the ``__init__.py`` of each package on the way."""
    seen: dict[str, Path] = {}
    todo = [".".join(module.split(".")[:i]) for i in range(1, module.count(".") + 2)]
    while todo:
        name = todo.pop()
        if name in seen or not name:
            continue
        path = module_file(name, root)
        if path is None:
            continue
        seen[name] = path
        todo.extend(imported_modules(path, name))
    return sorted(set(seen.values()))


def package_modules(package: str, root: Path = PROJECT_ROOT) -> dict[str, Path]:
    """Every module of ``package`` under ``root``, by dotted name (packages by their own); a
    plain module (``render`` for ``render.py``) is its only module."""
    single = root.joinpath(*package.split(".")).with_suffix(".py")
    if single.is_file():
        return {package: single}
    modules: dict[str, Path] = {}
    for path in sorted(root.joinpath(*package.split(".")).rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        modules[name] = path
    return modules


def import_graph(package: str | Sequence[str], root: Path = PROJECT_ROOT) -> dict[str, set[str]]:
    """Module → the modules of ``package`` (or of several packages) it imports (a module's own
    parents excluded: a submodule importing its package's ``__init__`` is how Python loads it,
    not a cycle)."""
    packages = [package] if isinstance(package, str) else package
    modules = {
        name: path for each in packages for name, path in package_modules(each, root).items()
    }
    return {
        name: {
            dep
            for dep in imported_modules(path, name)
            if dep in modules and dep != name and not name.startswith(f"{dep}.")
        }
        for name, path in modules.items()
    }


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The import cycles of ``graph``: its strongly connected components of more than one
    module (Tarjan's algorithm), each sorted, in sorted order."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for dep in sorted(graph.get(node, ())):
            if dep not in index:
                visit(dep)
                low[node] = min(low[node], low[dep])
            elif dep in on_stack:
                low[node] = min(low[node], index[dep])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)
