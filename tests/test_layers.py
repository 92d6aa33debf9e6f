"""The architecture, mechanically: imports point down the layers, never in a cycle.

Layers, lowest first; a module may import its own layer's modules and those below, except
that the formats never import one another and the operations only use those before them.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "manifest_tools"
LAYERS = [
    {"errors", "diagnostics", "rules", "aws", "inputs", "credentials", "config",
     "_version", "javaregex", "schemas", "textcodec", "sniff", "selection",
     "outputs", "schemas_bundle"},
    {"manifest", "signature", "status"},
    {"device", "logs", "job", "service"},
    {"report", "api", "testing", "pytest_plugin", "__init__"},
    {"cli", "__main__"},
]
FORMATS = LAYERS[1]
# Each may use those before it.
OPERATIONS = ["device", "logs", "job", "service"]


def _unit(module: str) -> str:
    """The top-level unit a dotted module belongs to: 'manifest' for manifest.parse."""
    return module.split(".")[0] if module else "__init__"


def _layer(unit: str) -> int:
    for i, names in enumerate(LAYERS):
        if unit in names:
            return i
    raise AssertionError(f"manifest_tools/{unit} is in no layer of tests/test_layers.py: "
                         "add it to LAYERS (and OPERATIONS if it is an operation)")


def _imports(path: Path) -> list[tuple[str, tuple[str, ...], int]]:
    """(imported module, names, line) for every import, lazy and TYPE_CHECKING ones too."""
    module = ".".join(path.relative_to(PACKAGE).with_suffix("").parts)
    package = module.split(".")[:-1]  # for a package's __init__ too: parts end in __init__
    out: list[tuple[str, tuple[str, ...], int]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
            elif (node.module or "").startswith("manifest_tools"):
                target = (node.module or "").removeprefix("manifest_tools").lstrip(".")
            else:
                target = "!" + (node.module or "")
            out.append((target, tuple(a.name for a in node.names), node.lineno))
        elif isinstance(node, ast.Import):
            out.extend(("!" + a.name, (), node.lineno) for a in node.names)
    return out


def _modules() -> dict[str, Path]:
    return {".".join(p.relative_to(PACKAGE).with_suffix("").parts).removesuffix(".__init__")
            .removesuffix("__init__"): p for p in PACKAGE.rglob("*.py")}


def _allowed(source: str, target: str) -> bool:
    a, b = _unit(source), _unit(target)
    if a == b:
        return True
    if a in FORMATS and b in FORMATS:
        return False
    if a in OPERATIONS and b in OPERATIONS:
        return OPERATIONS.index(b) < OPERATIONS.index(a)
    return _layer(b) <= _layer(a)


def test_imports_point_down_no_typer_outside_cli_no_private_names() -> None:
    problems: list[str] = []
    for module, path in _modules().items():
        for target, names, line in _imports(path):
            where = f"{path.relative_to(PACKAGE.parent)}:{line}"
            if target.startswith("!"):
                if target[1:].split(".")[0] in {"typer", "click"} and _unit(module) != "cli":
                    problems.append(f"{where}: imports {target[1:]} outside cli/")
                continue
            if not _allowed(module, target):
                problems.append(f"{where}: {module or '__init__'} imports {target} (upward "
                                "or sideways against the layers)")
            problems.extend(f"{where}: imports private name {name} from {target}"
                            for name in names if name.startswith("_") and name != "__version__")
    assert not problems, "\n".join(problems)


def test_no_import_cycles_between_modules() -> None:
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for m, p in modules.items():
        edges = set()
        for target, names, _ in _imports(p):
            # ``from . import a, b`` imports the modules a and b, not only the package.
            edges |= {f"{target}.{n}".lstrip(".") for n in names
                      if f"{target}.{n}".lstrip(".") in modules}
            edges |= {target} if target in modules else set()
        graph[m] = edges - {m}
    # A package's __init__ re-exporting its own modules is no cycle of design.
    for m in graph:
        graph[m] = {t for t in graph[m] if not (m.startswith(t + ".") or t == "")}
    state: dict[str, int] = {}
    for root in graph:
        stack = [(root, iter(sorted(graph[root])))]
        path = [root]
        state[root] = state.get(root, 1)
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                stack.pop()
                path.pop()
            elif state.get(child) == 1 and child in path:
                cycle = " -> ".join(n or "__init__" for n in [*path, child])
                raise AssertionError(f"import cycle: {cycle}")
            elif child not in state:
                state[child] = 1
                stack.append((child, iter(sorted(graph[child]))))
                path.append(child)


def _library_names(tree: ast.AST) -> set[str]:
    """Names a test file binds to manifest_tools modules or objects (``as`` aliases too)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("manifest_tools"):
            names.update(a.asname or a.name for a in node.names)
        elif isinstance(node, ast.Import):
            names.update(a.asname or a.name.split(".")[0] for a in node.names
                         if a.name.startswith("manifest_tools"))
        elif (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
              and any(isinstance(a, ast.Constant) and str(a.value).startswith("manifest_tools")
                      for a in node.value.args)):  # importlib.import_module("manifest_tools.x")
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


def test_tests_import_no_private_names() -> None:
    """Tests patch the library only through public seams."""
    problems: list[str] = []
    for path in Path(__file__).parent.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        library = _library_names(tree)
        for node in ast.walk(tree):
            if (isinstance(node, ast.ImportFrom)
                    and (node.module or "").startswith("manifest_tools")):
                problems.extend(f"{path.name}:{node.lineno}: {a.name}" for a in node.names
                                if a.name.startswith("_") and a.name != "__version__")
            if (isinstance(node, ast.Attribute) and node.attr.startswith("_")
                    and not node.attr.startswith("__") and isinstance(node.value, ast.Name)
                    and node.value.id in library):
                problems.append(f"{path.name}:{node.lineno}: {node.value.id}.{node.attr}")
            if (isinstance(node, ast.Call) and len(node.args) >= 2
                    and isinstance(node.func, ast.Attribute) and node.func.attr == "setattr"
                    and isinstance(node.args[0], ast.Name) and node.args[0].id in library
                    and isinstance(node.args[1], ast.Constant)
                    and str(node.args[1].value).startswith("_")):
                problems.append(f"{path.name}:{node.lineno}: setattr({node.args[0].id}, "
                                f"{node.args[1].value!r})")
    assert not problems, "\n".join(problems)


def test_a_module_in_no_layer_is_named() -> None:
    try:
        _layer("newpackage")
    except AssertionError as exc:
        assert "manifest_tools/newpackage is in no layer" in str(exc)
    else:
        raise AssertionError("an unknown unit was given a layer")
