"""Finds terraform and the hashicorp/aws provider for an offline `terraform init`, as a user's machine has them.

Looked for, in order: $TF_PLUGIN_MIRROR; the CLI config terraform already uses ($TF_CLI_CONFIG_FILE or
~/.terraformrc) when it names a filesystem mirror; terraform's standard implied mirror folders
(~/.terraform.d/plugins, $XDG_DATA_HOME/terraform/plugins or ~/.local/share/terraform/plugins,
/usr/local/share/terraform/plugins, /usr/share/terraform/plugins); any /opt/*/ folder laid out as a
mirror; and last the public registry, when it answers. The answer is a CLI config file that installs
hashicorp/aws from that mirror and nothing from anywhere else.
"""
from __future__ import annotations

import glob
import os
import pathlib
import re
import shutil
import socket

PROVIDER = "registry.terraform.io/hashicorp/aws"


def _is_mirror(folder: str | os.PathLike | None) -> bool:
    return bool(folder) and (pathlib.Path(folder) / PROVIDER).is_dir()


def _configured_mirrors() -> list[str]:
    """filesystem_mirror paths named by the CLI config terraform would read."""
    config = os.environ.get("TF_CLI_CONFIG_FILE") or os.path.expanduser("~/.terraformrc")
    try:
        text = pathlib.Path(config).read_text()
    except OSError:
        return []
    return re.findall(r'filesystem_mirror\s*\{[^}]*?path\s*=\s*"([^"]+)"', text, re.DOTALL)


def candidate_mirrors() -> list[str]:
    """Every folder where a provider mirror may be, in the order they are tried."""
    home = os.path.expanduser("~")
    xdg = os.environ.get("XDG_DATA_HOME") or os.path.join(home, ".local", "share")
    return [os.environ.get("TF_PLUGIN_MIRROR", ""), *_configured_mirrors(),
            os.path.join(home, ".terraform.d", "plugins"), os.path.join(xdg, "terraform", "plugins"),
            "/usr/local/share/terraform/plugins", "/usr/share/terraform/plugins", *sorted(glob.glob("/opt/*/"))]


def find_mirror() -> str | None:
    return next((str(pathlib.Path(c)) for c in candidate_mirrors() if _is_mirror(c)), None)


def registry_reachable(timeout: float = 2.0) -> bool:
    try:
        with socket.create_connection(("registry.terraform.io", 443), timeout=timeout):
            return True
    except OSError:
        return False


def cli_config(folder: pathlib.Path) -> tuple[str | None, str]:
    """(path of a CLI config for an offline init, or None; what was found or why not)."""
    if shutil.which("terraform") is None:
        return None, "terraform is not installed (it runs the Terraform suites; https://developer.hashicorp.com/terraform/install)"
    mirror = find_mirror()
    if mirror is None:
        if registry_reachable():
            path = folder / "terraformrc"
            path.write_text("disable_checkpoint = true\n")
            return str(path), "the public registry"
        tried = ", ".join(c for c in candidate_mirrors() if c)
        return None, (f"no offline mirror of {PROVIDER} found (tried {tried}) and the registry is unreachable; "
                      "set TF_PLUGIN_MIRROR to a folder laid out by `terraform providers mirror`")
    path = folder / "terraformrc"
    path.write_text(f'''provider_installation {{
  filesystem_mirror {{
    path    = "{mirror}"
    include = ["{PROVIDER}"]
  }}
  direct {{
    exclude = ["{PROVIDER}"]
  }}
}}
disable_checkpoint = true
''')
    return str(path), f"the mirror at {mirror}"
