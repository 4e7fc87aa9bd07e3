"""symmetry/ imports nothing from landscape or certificates (STYLE.md)."""

import ast
import pathlib

import symmetry


def test_symmetry_imports_only_itself_and_third_party():
    root = pathlib.Path(symmetry.__file__).parent
    for path in root.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            for name in names:
                assert name.split(".")[0] not in ("landscape", "certificates"), (path.name, name)
