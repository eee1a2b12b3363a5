"""The slmstack settings the IAM sufficiency check synthesizes, and a helper that runs `slmstack synth`."""
import json
import pathlib
import subprocess

STACK_NAME = "slmstack"
REGION = "us-east-1"
ACCOUNT = "123456789012"

OPERATIONS = ["--ttl", "4h", "--idle-pause", "on", "--alarm-email", "ops@example.com", "--max-instances", "3"]
# The two stacks issue 15 names, and each with streaming on; every automated path is checked on all of them.
VARIANTS = {
    "default": [],
    "operations": OPERATIONS,
    "streaming": ["--streaming", "on"],
    "streaming-operations": ["--streaming", "on"] + OPERATIONS,
    # scale to zero (issue 20) with a TTL and an alarm e-mail: the TTL deletes the inference component and its scaling
    "scale-to-zero": ["--scaling", "zero", "--ttl", "4h", "--alarm-email", "ops@example.com", "--max-instances", "2"],
    # several models: the shim invokes each model's component, each has its own scaling and wake
    "scale-to-zero-two-models": ["--scaling", "zero", "--ttl", "4h", "--alarm-email", "ops@example.com", "--models",
                                 "TinyLlama/TinyLlama-1.1B-Chat-v1.0,Qwen/Qwen2.5-0.5B-Instruct:copies=2"],
}
# Variants `synth --format terraform` refuses by design (exit 2): only their CloudFormation exists.
CLOUDFORMATION_ONLY = {
    name: "streaming (ResponseTransferMode STREAM) has no equivalent in the hashicorp/aws provider: "
          "synth --format terraform refuses it, so there is no Terraform to check"
    for name in ("streaming", "streaming-operations")
}
CLOUDFORMATION_ONLY["scale-to-zero"] = ("scaling zero needs an inference component, which the hashicorp/aws provider has no resource for "
                                        "(hashicorp/terraform-provider-aws #35226): synth --format terraform refuses it")
CLOUDFORMATION_ONLY["scale-to-zero-two-models"] = CLOUDFORMATION_ONLY["scale-to-zero"]
# Only for collecting resource types (refresh_handler_permissions.py).
TYPE_VARIANTS = {
    "no-nat": ["--nat-gateway", "off", "--api-gateway-account", "off", "--az-count", "3", "--alarms", "off"],
    "idle-alarm-only": ["--idle-hours", "2", "--idle-pause", "off"],
}


def synth_templates(binary, out_dir, all_variants=False, fmt="all", names=None):
    """Synthesize each variant (or those named) into out_dir/<name>; returns {name: CloudFormation template}."""
    variants = dict(VARIANTS, **(TYPE_VARIANTS if all_variants else {}))
    variants = {n: f for n, f in variants.items() if names is None or n in names}
    templates = {}
    for name, flags in variants.items():
        target = pathlib.Path(out_dir) / name
        form = "cloudformation" if name in CLOUDFORMATION_ONLY and fmt == "all" else fmt
        command = [binary, "synth", "--out", str(target), "--format", form, "--region", REGION,
                   "--stack-name", STACK_NAME] + flags
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} exited {done.returncode}: {done.stderr.strip()}")
        templates[name] = json.loads((target / "cloudformation" / f"{STACK_NAME}.template.json").read_text())
    return templates
