"""The manual (README.md and docs/) cannot rot: its links resolve, its Swift examples compile and run
(tools/docs_snippets.py puts them in examples/custom-stack's DocSnippets target, which make test builds),
and every command line it shows that needs no AWS account runs with the binary and exits 0.

Command lines that need AWS (deploy, status, make deploy, curl against a deployed API, terraform apply)
are run by the deploy and Terraform suites against the local AWS, not here."""
import os
import pathlib
import re
import shlex
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
OFFLINE = {"synth", "validate", "cost", "graph", "debug"}


def anchors(path):
    """GitHub's heading anchors of a Markdown file."""
    found = set()
    for line in path.read_text().split("\n"):
        if re.match(r"^#{1,6} ", line):
            text = re.sub(r"[^\w\- ]", "", line.lstrip("#").strip().lower())
            found.add(text.replace(" ", "-"))
    return found


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves(page):
    text = re.sub(r"```.*?```", "", page.read_text(), flags=re.S)
    broken = []
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"https?:|mailto:", target):
            continue
        path, _, anchor = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        if not file.exists():
            broken.append(f"{target}: no such file")
        elif anchor and file.suffix == ".md" and anchor not in anchors(file):
            broken.append(f"{target}: no heading with that anchor")
    assert not broken, f"{page.relative_to(ROOT)}: " + "; ".join(broken)


def test_the_swift_examples_are_current():
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "docs_snippets.py"), "--check"], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_swift_examples_compile_and_run():
    swift = os.environ.get("SWIFT", "swift")
    scratch = ROOT / ".build" / "examples"
    build = subprocess.run([swift, "build", "--package-path", str(ROOT / "examples" / "custom-stack"), "--scratch-path", str(scratch),
                            "--product", "DocSnippets"], capture_output=True, text=True, timeout=1500)
    assert build.returncode == 0, build.stdout[-4000:] + build.stderr[-4000:]
    ran = subprocess.run([str(scratch / "debug" / "DocSnippets")], capture_output=True, text=True, timeout=120)
    assert ran.returncode == 0, ran.stderr
    count = len(list((ROOT / "examples" / "custom-stack" / "Sources" / "DocSnippets").glob("Snippet*.swift")))
    assert ran.stdout.strip() == f"{count} documentation snippets ran"


def command_lines():
    """Logical lines of ```bash blocks (backslash continuations joined), with their page."""
    for page in PAGES:
        for block in re.findall(r"```bash\n(.*?)```", page.read_text(), flags=re.S):
            pending = ""
            for line in re.sub(r"\\\n\s*", " ", block).split("\n"):
                pending = f"{pending}\n{line}" if pending else line
                try:
                    shlex.split(pending, comments=True)
                except ValueError:  # a quoted argument that goes on over the next lines
                    continue
                if pending.strip():
                    yield page.relative_to(ROOT), pending.strip()
                pending = ""


def offline(line):
    words = shlex.split(line, comments=True)
    if not words:
        return False
    if words[0] == "slmstack" and len(words) > 1:
        return words[1] in OFFLINE or (words[1] == "diff" and "--against" in words)
    return words[0] == "echo" or "| slmstack debug" in line


def test_the_offline_command_lines_run(slmstack_bin, tmp_path):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "slmstack").symlink_to(slmstack_bin)
    (tmp_path / "templates").symlink_to(ROOT / "templates")
    env = dict(os.environ, PATH=f"{bindir}:{os.environ['PATH']}", GITHUB_STEP_SUMMARY=str(tmp_path / "summary.md"))
    ran = 0
    for page, line in command_lines():
        if not offline(line):
            continue
        result = subprocess.run(["bash", "-c", line], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, f"{page}: `{line}` exited {result.returncode}: {result.stderr}"
        ran += 1
    assert ran >= 5, f"only {ran} offline command lines found in the docs"


def test_no_file_holds_merge_conflict_markers():
    """A conflict left in an embedded file (the shim is read into the binary as text) would still build."""
    found = subprocess.run(["git", "grep", "-n", "-I", "-E", "^(<<<<<<< |>>>>>>> )", "--", ".", ":!Tests/docs/test_docs.py"],
                           cwd=ROOT, capture_output=True, text=True)
    assert found.stdout == "", found.stdout[:2000]
