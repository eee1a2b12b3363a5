"""The fixes' registry (tools/localaws/registry.py, patches.py): no import cycle, the documented order, the
documented chains of methods several fixes replace, and CreateChangeSet's one override. No server needed.
"""
from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

from localaws_support import TOOLS

PROBE = Path(__file__).resolve().parent / "fix_chains_probe.py"


def import_graph() -> dict[str, set[str]]:
    """tools/localaws module -> the tools' modules it imports (at module level or inside a function)."""
    modules = {p.stem: p for p in TOOLS.glob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        deps: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                deps |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                deps.add(node.module.split(".")[0])
        graph[name] = {d for d in deps if d in modules and d != name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1 on the path, 2 done

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = 1
        for dep in sorted(graph[node]):
            if state.get(dep) == 1:
                return path[path.index(dep):] + [dep]
            if dep not in state and (cycle := visit(dep, path + [dep])):
                return cycle
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node, [node])):
            return cycle
    return None


def test_find_cycle_finds_one() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_import_graph_is_acyclic() -> None:
    graph = import_graph()
    assert {"patches", "registry", "server", "forkserver", "verify"} <= set(graph)
    assert find_cycle(graph) is None, f"import cycle: {' -> '.join(find_cycle(graph) or [])}"
    assert graph["registry"] == set(), "registry.py imports no fix"


def test_patches_imports_the_fix_modules_and_the_registry_only() -> None:
    import patches

    fix_modules = {fn.__module__ for fn in patches.FIXES.values()}
    assert import_graph()["patches"] == fix_modules | {"registry"}
    import registry

    assert patches.FIXES is registry.FIXES and patches.apply_all is registry.apply_all


def documented_order() -> list[tuple[str, str, str]]:
    """(name, fix number, module) from patches.py's docstring, in order."""
    import patches

    block = patches.__doc__.split("Order (fix name, its number, its module):\n", 1)[1].split("\n\n", 1)[0]
    rows = [re.fullmatch(r" {4}(\w+) +(\d+[a-z]?|-) +(\w+)", line) for line in block.splitlines()]
    assert all(rows), block
    return [(m[1], m[2], m[3]) for m in rows]


def test_registration_order_is_the_documented_one() -> None:
    import patches

    rows = documented_order()
    assert [name for name, _, _ in rows] == list(patches.FIXES)
    assert {name: module for name, _, module in rows} == {name: fn.__module__ for name, fn in patches.FIXES.items()}
    # each fix's number is one its module names ("Fixes 12 and 21-24", "# 3a.")
    for name, number, module in rows:
        if number != "-":
            assert number in numbers_named((TOOLS / f"{module}.py").read_text()), (name, number, module)


def numbers_named(text: str) -> set[str]:
    """The fix numbers a module names in "Fix 13", "Fixes 5, 7 and 20", "Fixes 16-26", "# 3a." and the like."""
    out: set[str] = set()
    for m in re.finditer(r"(?:Fix(?:es)?|^#) ((?:\d+[a-z]?(?:-\d+[a-z]?)?(?:, | and |\.)?)+)", text, re.M):
        for item in re.findall(r"\d+[a-z]?(?:-\d+[a-z]?)?", m[1]):
            low, _, high = item.partition("-")
            if high.isdigit() and low.isdigit():
                out |= {str(n) for n in range(int(low), int(high) + 1)}
            else:
                out |= {low, high} - {""}
    return out


def test_numbers_named() -> None:
    assert numbers_named("Fixes 5, 7 and 20: x\n# 3a. y\nFix 13 (z)\nFixes 21-24") == {"5", "7", "20", "3a", "13", "21", "22", "23", "24"}


def documented_chains() -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """(method -> fixes in call order) from registry.py's docstring: the replaced chains, the explicit overrides."""
    import registry

    chains: dict[str, list[str]] = {}
    explicit: dict[str, list[str]] = {}
    current, note = None, False
    for line in registry.__doc__.splitlines():
        head = re.fullmatch(r" {4}(\w+\.[\w.]+)( .*)?", line)
        if head:
            current = head[1]
            (explicit if "one override" in (head[2] or "") else chains)[current] = []
        elif current and line.startswith(" " * 8):
            note = note or line.strip().startswith("(")  # a note in parentheses, over one line or more
            if not note:
                names = [n.strip() for n in line.split("->") if n.strip()]
                (explicit if current in explicit else chains)[current] += [n for n in names if n != "moto"]
            note = note and not line.rstrip().endswith(")")
        else:
            current = None
    return chains, explicit


def test_documented_chains_are_the_real_ones() -> None:
    import patches

    out = subprocess.run([sys.executable, str(PROBE), str(TOOLS)], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    probe = json.loads(out.stdout.strip().splitlines()[-1])
    by_method: dict[str, list[str]] = {}
    for name in patches.FIXES:  # registration order = application order
        for attr in probe["replaced"][name]:
            by_method.setdefault(attr, []).append(name)
    chains, explicit = documented_chains()
    assert len(chains) >= 10 and set(explicit) == {"CloudFormationResponse.create_change_set"}

    def documented(attr: str) -> str | None:
        hits = [m for m in [*chains, *explicit] if attr == m or attr.endswith("." + m)]
        assert len(hits) <= 1, (attr, hits)
        return hits[0] if hits else None

    seen = set()
    for attr, fixes in by_method.items():
        method = documented(attr)
        if method in explicit:
            assert len(fixes) == 1, f"{attr} is the one override, replaced only once, not by {fixes}"
        elif len(fixes) > 1:
            assert method is not None, f"{attr} is replaced by {fixes} (in that order) but registry.py lists no chain"
            assert chains[method] == list(reversed(fixes)), (attr, fixes)
        if method:
            seen.add(method)
    assert seen == set(chains) | set(explicit), f"documented but not replaced: {set(chains) | set(explicit) - seen}"

    import cfn_changeset_patches

    steps = list(cfn_changeset_patches.CREATE_CHANGE_SET_STEPS)
    assert explicit["CloudFormationResponse.create_change_set"] == steps
    assert sorted(probe["create_change_set_steps"]) == sorted(steps)


STEP_ORDER = r'''
import json, sys
sys.path.insert(0, sys.argv[1])
import cfn_changeset_patches as c
from moto.cloudformation.responses import CloudFormationResponse

calls = []
CloudFormationResponse.create_change_set = lambda self: calls.append("moto") or "moto's answer"
# added in the reverse of the stated order, the first one left out
for name in reversed(c.CREATE_CHANGE_SET_STEPS[1:]):
    c.add_create_change_set_step(name, lambda r, inner, name=name: calls.append(name) or inner(r))
first = CloudFormationResponse.create_change_set(object())
# a step that answers itself ends the chain
c.add_create_change_set_step(c.CREATE_CHANGE_SET_STEPS[0], lambda r, inner: calls.append("answered") or "own answer")
second = CloudFormationResponse.create_change_set(object())
print(json.dumps([first, second, calls]))
'''


def test_create_change_set_steps_run_in_the_stated_order() -> None:
    import cfn_changeset_patches

    out = subprocess.run([sys.executable, "-c", STEP_ORDER, str(TOOLS)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]
    first, second, calls = json.loads(out.stdout.strip().splitlines()[-1])
    steps = list(cfn_changeset_patches.CREATE_CHANGE_SET_STEPS)
    assert (first, second) == ("moto's answer", "own answer")
    assert calls == steps[1:] + ["moto", "answered"]
