"""Which moto methods each localaws fix replaces, found by applying the fixes one by one (for test_registry.py).

    python3 fix_chains_probe.py TOOLS_DIR

Imports moto's modules the fixes touch first (as the fork server does, and every module a fix imports), then
for each fix in registration order compares the attributes of every moto class and module (and of the
tools' own modules) before and after applying it. Prints JSON: {"replaced": {fix: [attribute path, ...]},
"create_change_set_steps": [fix, ...]} (the steps of CreateChangeSet's one override, as added). Run it in a
process of its own: it changes moto in memory.
"""
from __future__ import annotations

import ast
import glob
import importlib
import json
import os
import sys


def preload(tools: str) -> None:
    import forkserver

    forkserver.preload()
    for path in glob.glob(os.path.join(tools, "*.py")):
        for node in ast.walk(ast.parse(open(path).read())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(("moto", "werkzeug")):
                importlib.import_module(node.module)
                for alias in node.names:  # `from moto.ec2 import models`: a module too
                    try:
                        importlib.import_module(f"{node.module}.{alias.name}")
                    except ImportError:
                        pass
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.startswith("moto"):
                        importlib.import_module(alias.name)


def owners(tools: str) -> dict[str, object]:
    """moto's and werkzeug's modules, the tools' own modules, and the classes each defines."""
    out: dict[str, object] = {}
    for name, mod in list(sys.modules.items()):
        if mod is None:
            continue
        ours = os.path.dirname(os.path.abspath(getattr(mod, "__file__", None) or "/")) == tools
        if not (name.startswith(("moto", "werkzeug")) or ours):
            continue
        out[name] = mod
        for key, value in list(vars(mod).items()):
            if isinstance(value, type) and getattr(value, "__module__", None) == name:
                out[f"{name}.{key}"] = value
    return out


def main(tools: str) -> None:
    tools = os.path.abspath(tools)
    sys.path.insert(0, tools)
    os.environ["INITIAL_NO_AUTH_ACTION_COUNT"] = "1000000000"
    preload(tools)
    import cfn_changeset_patches
    import patches

    missing = object()
    replaced: dict[str, list[str]] = {}
    for name, fn in patches.FIXES.items():
        objs = owners(tools)
        before = {(o, k): v for o, obj in objs.items() for k, v in list(vars(obj).items())}
        fn()
        after = {(o, k): v for o, obj in objs.items() for k, v in list(vars(obj).items())}
        replaced[name] = sorted(f"{o}.{k}" for (o, k), v in after.items()
                                if before.get((o, k), missing) is not v
                                and (not k.startswith("__") or k in ("__init__", "__call__", "__getitem__")))
    print(json.dumps({"replaced": replaced,
                      "create_change_set_steps": list(cfn_changeset_patches._create_change_set_steps)}))


if __name__ == "__main__":
    main(sys.argv[1])
