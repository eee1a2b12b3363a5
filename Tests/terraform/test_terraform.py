"""The Terraform output, proven by terraform itself and by checkov.

The committed default module (templates/terraform) is re-synthesized by the real binary and copied
to a temporary folder. terraform fmt, an offline init from the machine's provider mirror, validate,
then apply and destroy against the project's own local AWS (tools/localaws: moto with its fixes and SigV4
auth on), with the provider pointed at it by an override file written next to the copy; the committed
output stays clean for real AWS. tf_mirror.py finds terraform's provider the way a user's machine has it. The applies are in test_terraform_apply.py and
test_terraform_ops_apply.py (own files, so the two longest tests run on different workers). checkov scans the HCL of both. When terraform or the mirror is
missing the terraform tests print SKIPPED with the reason and are skipped.
"""
import json
import pathlib
import re
import shutil
import subprocess
import sys
import zipfile

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from tf_support import ROOT, run_checkov, terraform  # noqa: E402


def test_committed_module_is_the_synth_output(synth):
    committed = ROOT / "templates" / "terraform"
    names = sorted(p.name for p in committed.iterdir())
    assert names == sorted(p.name for p in (synth / "terraform").iterdir())
    for name in names:
        assert (committed / name).read_bytes() == (synth / "terraform" / name).read_bytes(), f"templates/terraform/{name} drifted"


def test_synth_all_writes_both_formats(synth):
    assert (synth / "cloudformation" / "slmstack.template.json").is_file()
    assert {p.name for p in (synth / "terraform").iterdir()} == {
        "versions.tf", "providers.tf", "variables.tf", "network.tf", "sagemaker.tf", "lambda.tf", "api.tf", "operations.tf", "outputs.tf",
        "shim.zip"}


def test_zip_reads_back_and_holds_the_inlined_handler(synth, slmstack_bin, tmp_path):
    path = synth / "terraform" / "shim.zip"
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        infos = archive.infolist()
        assert [i.filename for i in infos] == ["index.py"]
        assert infos[0].compress_type == zipfile.ZIP_STORED
        assert infos[0].date_time == (1980, 1, 1, 0, 0, 0)
        code = archive.read("index.py").decode()
    template = json.loads((synth / "cloudformation" / "slmstack.template.json").read_text())
    assert code == template["Resources"]["ShimFunction"]["Properties"]["Code"]["ZipFile"]
    compile(code, "index.py", "exec")
    # Byte-identical across runs.
    subprocess.run([slmstack_bin, "synth", "--format", "terraform", "--out", str(tmp_path)], check=True, capture_output=True)
    assert (tmp_path / "terraform" / "shim.zip").read_bytes() == path.read_bytes()


@pytest.mark.parametrize("variant", ["synth", "synth_ops"])
def test_fmt_check_reports_nothing(variant, tf_env, request):
    result = terraform(["fmt", "-check", "-diff", "-recursive"], request.getfixturevalue(variant) / "terraform", tf_env)
    assert result.returncode == 0 and result.stdout == "", result.stdout + result.stderr


@pytest.mark.parametrize("variant", ["module_dir", "ops_module_dir"])
def test_validate(variant, tf_env, request):
    result = terraform(["validate"], request.getfixturevalue(variant), tf_env)
    assert result.returncode == 0 and "The configuration is valid" in result.stdout, result.stdout + result.stderr


# checkov on the HCL

def inline_skips(folder):
    """(check, reason) of every `#checkov:skip=ID:reason` line."""
    skips = set()
    for path in sorted(folder.glob("*.tf")):
        for line in path.read_text().splitlines():
            match = re.match(r"\s*#checkov:skip=(CKV\w+):(.*)$", line)
            if match:
                skips.add((match.group(1), match.group(2)))
    return skips


@pytest.mark.parametrize("variant", ["synth", "synth_ops"])
def test_checkov_finds_no_failed_check(variant, request):
    synth = request.getfixturevalue(variant)
    results, summary = run_checkov(synth / "terraform", "terraform")
    failed = [(c["check_id"], c["resource"]) for c in results["failed_checks"]]
    assert failed == [], f"checkov failed checks: {failed}"
    assert summary["passed"] > 100 and summary["parsing_errors"] == 0, summary


@pytest.mark.parametrize("variant", ["synth", "synth_ops"])
def test_skips_are_the_cloudformation_ones(variant, request):
    """The model holds each skip once; both renderers write the same (check, reason) pairs. The only
    Terraform-only skip is on the zone list, which CloudFormation's Fn::GetAZs has no resource for."""
    synth = request.getfixturevalue(variant)
    template = json.loads((synth / "cloudformation" / "slmstack.template.json").read_text())
    cloudformation = {(s["id"], s["comment"]) for r in template["Resources"].values()
                      for s in r.get("Metadata", {}).get("checkov", {}).get("skip", [])}
    terraform_skips = inline_skips(synth / "terraform")
    assert {check for check, _ in terraform_skips - cloudformation} == {"CKV_AWS_394"}
    assert cloudformation <= terraform_skips
    for check, reason in terraform_skips:
        assert len(reason) > 30, (check, reason)


@pytest.mark.parametrize("variant", ["synth", "synth_ops"])
def test_skips_are_needed(variant, request, tmp_path):
    """Without the skip lines checkov fails some checks, and only skipped ones."""
    synth = request.getfixturevalue(variant)
    bare = tmp_path / "bare"
    shutil.copytree(synth / "terraform", bare)
    for path in bare.glob("*.tf"):
        path.write_text("\n".join(l for l in path.read_text().splitlines() if "#checkov:skip=" not in l) + "\n")
    results, _ = run_checkov(bare, "terraform")
    failed = {c["check_id"] for c in results["failed_checks"]}
    assert failed, "without the skips some checks must fail"
    assert failed <= {check for check, _ in inline_skips(synth / "terraform")}
