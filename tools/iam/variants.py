"""The slmstack settings the IAM sufficiency check synthesizes, and a helper that runs `slmstack synth`."""
import json
import pathlib
import subprocess

STACK_NAME = "slmstack"
REGION = "us-east-1"
ACCOUNT = "123456789012"

# The two stacks issue 15 names; every automated path is checked on both.
VARIANTS = {
    "default": [],
    "operations": ["--ttl", "4h", "--idle-pause", "on", "--alarm-email", "ops@example.com", "--max-instances", "3"],
}
# Only for collecting resource types (refresh_handler_permissions.py).
TYPE_VARIANTS = {
    "no-nat": ["--nat-gateway", "off", "--api-gateway-account", "off", "--az-count", "3", "--alarms", "off"],
    "idle-alarm-only": ["--idle-hours", "2", "--idle-pause", "off"],
}


def synth_templates(binary, out_dir, all_variants=False, fmt="all"):
    """Synthesize each variant into out_dir/<name>; returns {name: CloudFormation template dict}."""
    variants = dict(VARIANTS, **(TYPE_VARIANTS if all_variants else {}))
    templates = {}
    for name, flags in variants.items():
        target = pathlib.Path(out_dir) / name
        command = [binary, "synth", "--out", str(target), "--format", fmt, "--region", REGION,
                   "--stack-name", STACK_NAME] + flags
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} exited {done.returncode}: {done.stderr.strip()}")
        templates[name] = json.loads((target / "cloudformation" / f"{STACK_NAME}.template.json").read_text())
    return templates
