"""tools/build-mode: `make build` links statically only when the linker finds libcurl and libxml2.

The decision is driven through fake C compilers that fail for the libraries a test names, and once
against this machine's real linker.
"""
import os
import pathlib
import shutil
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tools" / "build-mode"


def fake_compiler(tmp_path, missing):
    """A `cc` that fails to link exactly the -l libraries in `missing`, as a machine without their dev files would."""
    path = tmp_path / "fake-cc"
    checks = "\n".join(f'  [ "$a" = "-l{lib}" ] && {{ echo "ld: cannot find -l{lib}" >&2; exit 1; }}' for lib in missing)
    path.write_text(f"#!/bin/sh\nfor a in \"$@\"; do\n{checks}\n  :\ndone\nexit 0\n")
    path.chmod(0o755)
    return str(path)


def decide(env_extra):
    env = {k: v for k, v in os.environ.items() if k not in ("LINK", "BUILD_MODE_CC")}
    env.update(env_extra)
    result = subprocess.run([str(SCRIPT)], capture_output=True, text=True, env=env)
    return result.returncode, result.stdout.strip(), result.stderr.strip()


def test_static_when_both_libraries_link(tmp_path):
    code, flags, said = decide({"BUILD_MODE_CC": fake_compiler(tmp_path, [])})
    assert (code, flags) == (0, "--static-swift-stdlib")
    assert said == "build: static Swift runtime: libcurl's and libxml2's development files are present"


@pytest.mark.parametrize("missing, named", [
    (["curl"], "libcurl (libcurl4-openssl-dev)"),
    (["xml2"], "libxml2 (libxml2-dev)"),
    (["curl", "xml2"], "libcurl (libcurl4-openssl-dev) and libxml2 (libxml2-dev)"),
])
def test_dynamic_when_a_development_file_is_missing(tmp_path, missing, named):
    code, flags, said = decide({"BUILD_MODE_CC": fake_compiler(tmp_path, missing)})
    assert (code, flags) == (0, "")
    assert said.count("\n") == 0, "one line says which and why"
    assert said.startswith("build: dynamic Swift runtime:") and named in said


@pytest.mark.parametrize("link, flags", [("static", "--static-swift-stdlib"), ("dynamic", "")])
def test_link_forces_a_mode(tmp_path, link, flags):
    code, out, said = decide({"LINK": link, "BUILD_MODE_CC": fake_compiler(tmp_path, ["curl", "xml2"])})
    assert (code, out) == (0, flags) and f"(LINK={link})" in said


def test_unknown_link_mode_is_a_usage_error():
    code, out, said = decide({"LINK": "fast"})
    assert code == 2 and out == "" and "LINK must be static, dynamic or auto" in said


def test_the_real_linker_decides_as_its_libraries_say():
    cc = shutil.which("clang") or shutil.which("cc")
    if cc is None:
        pytest.skip("no C compiler on PATH")

    def has(lib):
        found = subprocess.run([cc, f"-print-file-name=lib{lib}.so"], capture_output=True, text=True).stdout.strip()
        return os.path.isabs(found) and os.path.exists(found)

    code, flags, said = decide({})
    assert code == 0
    assert (flags == "--static-swift-stdlib") == (has("curl") and has("xml2")), said
