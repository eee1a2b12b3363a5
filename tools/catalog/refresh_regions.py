#!/usr/bin/env python3
"""Generate the region catalog (Sources/StackModel/Catalog/Regions.generated.swift) from its sources.

A region is supported when
  1. the SageMaker Python SDK's `huggingface-llm.json` names a TGI registry account for it, for every TGI
     version slmstack offers (`TGICatalog.tags` in Regions.swift), and
  2. cfn-lint's provider list for the region has every CloudFormation resource type the synthesizer can
     emit (the `"AWS::Service::Type"` literals in Sources/CloudFormationSynth/*.swift).
Regions that pass 1 but not 2 are listed with the types they lack, so `slmstack validate` can refuse them
with the reason. Only the `aws` partition (China, GovCloud, ISO and sovereign regions use other partitions).

    python3 tools/catalog/refresh_regions.py            # rewrite the Swift file
    python3 tools/catalog/refresh_regions.py --check    # exit 1 when the committed file differs
    python3 tools/catalog/refresh_regions.py --sdk-json NEWER.json   # read another SDK copy

No Python runs at `swift build`: the output is committed. Sources and licences: tools/catalog/SOURCES.md.
"""
from __future__ import annotations

import argparse
import importlib
import json
import re
import sys
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SDK_JSON = Path(__file__).resolve().parent / "huggingface-llm.json"
OUTPUT = ROOT / "Sources/StackModel/Catalog/Regions.generated.swift"
SYNTH_SOURCES = ROOT / "Sources/CloudFormationSynth"
TGI_SOURCE = ROOT / "Sources/StackModel/Catalog/Regions.swift"
REPOSITORY = "huggingface-pytorch-tgi-inference"
OTHER_PARTITIONS = ("cn-", "us-gov-", "us-iso", "eusc-")


# Types only an option uses: a region without them still serves the default stack (the option is then
# refused there by `validate`, from the generated `missingOptionTypes`).
OPTION_TYPES = {"AWS::SageMaker::InferenceComponent": "scaling zero"}


def all_types(sources: Path = SYNTH_SOURCES) -> list[str]:
    """Every CloudFormation type the synthesizer can emit."""
    found: set[str] = set()
    for path in sorted(sources.glob("*.swift")):
        found.update(re.findall(r'"(AWS::[A-Za-z0-9]+::[A-Za-z0-9]+)"', path.read_text()))
    if not found:
        raise SystemExit(f"refresh_regions: no AWS:: type literals found under {sources}")
    return sorted(found)


def stack_types(sources: Path = SYNTH_SOURCES) -> list[str]:
    """The types a region must offer for slmstack to support it: all but the option-only ones."""
    return [t for t in all_types(sources) if t not in OPTION_TYPES]


def tgi_versions(source: Path = TGI_SOURCE) -> list[str]:
    """The TGI versions slmstack offers (keys of `TGICatalog.tags`)."""
    found = re.findall(r'"(\d+\.\d+\.\d+)":\s*"[^"]*-tgi', source.read_text())
    if not found:
        raise SystemExit(f"refresh_regions: no TGICatalog.tags entries found in {source}")
    return sorted(set(found))


def registries(sdk: dict, versions: list[str]) -> dict[str, str]:
    """Region -> registry account, for regions that publish every version (one account per region)."""
    table = sdk["inference"]["versions"]
    missing = [v for v in versions if v not in table]
    if missing:
        raise SystemExit(f"refresh_regions: TGI version(s) {', '.join(missing)} not in the SDK JSON")
    for v in versions:
        if table[v].get("repository") != REPOSITORY:
            raise SystemExit(f"refresh_regions: version {v} is in repository {table[v].get('repository')}, expected {REPOSITORY}")
    regions = set.intersection(*(set(table[v]["registries"]) for v in versions))
    result: dict[str, str] = {}
    for region in sorted(regions):
        if region.startswith(OTHER_PARTITIONS):
            continue
        accounts = {table[v]["registries"][region] for v in versions}
        if len(accounts) != 1:
            raise SystemExit(f"refresh_regions: {region} has several registry accounts {sorted(accounts)}")
        result[region] = accounts.pop()
    return result


def region_types(region: str) -> set[str] | None:
    """cfn-lint's resource types for a region, or None when cfn-lint does not know the region."""
    try:
        module = importlib.import_module(f"cfnlint.data.schemas.providers.{region.replace('-', '_')}")
    except ModuleNotFoundError:
        return None
    return set(module.types)


def build(sdk: dict, sdk_name: str) -> str:
    """The Swift source."""
    types = stack_types()
    options = [t for t in all_types() if t in OPTION_TYPES]
    accounts = registries(sdk, tgi_versions())
    supported: dict[str, str] = {}
    lacking: dict[str, list[str]] = {}
    option_lacking: dict[str, list[str]] = {}
    for region, account in accounts.items():
        offered = region_types(region)
        if offered is None:
            lacking[region] = ["(cfn-lint has no provider list for this region)"]
            continue
        missing = [t for t in types if t not in offered]
        if missing:
            lacking[region] = missing
        else:
            supported[region] = account
            if absent := [t for t in options if t not in offered]:
                option_lacking[region] = absent
    lines = [
        "// Generated by tools/catalog/refresh_regions.py: do not edit; run the script to refresh.",
        f"// Sources: {sdk_name} (SageMaker Python SDK, Apache-2.0) and cfn-lint {version('cfn-lint')} region provider lists.",
        "",
        "extension RegionCatalog {",
        "    /// Region → ECR account of the `huggingface-pytorch-tgi-inference` repository, for the regions where",
        "    /// the image is published for every offered TGI version and CloudFormation offers every resource type",
        "    /// the stack can use.",
        "    public static let tgiRegistryAccounts: [String: String] = [",
    ]
    lines += [f'        "{r}": "{a}",' for r, a in supported.items()]
    lines += [
        "    ]",
        "",
        "    /// Regions where the image is published but CloudFormation lacks resource types the stack uses",
        "    /// (from cfn-lint's provider list for the region): region → the missing types.",
        "    public static let missingCloudFormationTypes: [String: [String]] = [",
    ]
    for region, missing in lacking.items():
        items = ", ".join(f'"{t}"' for t in missing)
        lines.append(f'        "{region}": [{items}],')
    if not lacking:
        lines[-1] = "    public static let missingCloudFormationTypes: [String: [String]] = [:]"
    else:
        lines.append("    ]")
    lines += [
        "",
        "    /// Supported regions where CloudFormation lacks a type only an option uses ("
        + ", ".join(f"{t}: {o}" for t, o in sorted(OPTION_TYPES.items())) + "): region → the missing types.",
        "    public static let missingOptionTypes: [String: [String]] = [",
    ]
    for region, missing in option_lacking.items():
        items = ", ".join(f'"{t}"' for t in missing)
        lines.append(f'        "{region}": [{items}],')
    if not option_lacking:
        lines[-1] = "    public static let missingOptionTypes: [String: [String]] = [:]"
    else:
        lines.append("    ]")
    lines += [
        "",
        "    /// Every CloudFormation resource type the synthesizer can emit (checked in each region above).",
        "    public static let cloudFormationTypes: [String] = [",
    ]
    lines += [f'        "{t}",' for t in sorted(types + options)]
    lines += ["    ]", "}", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sdk-json", type=Path, default=SDK_JSON, help="the SDK's huggingface-llm.json (default: the vendored copy)")
    ap.add_argument("--check", action="store_true", help="compare with the committed file instead of writing it")
    ap.add_argument("--output", type=Path, default=OUTPUT)
    args = ap.parse_args(argv)
    sdk = json.loads(args.sdk_json.read_text())
    name = "tools/catalog/huggingface-llm.json" if args.sdk_json.resolve() == SDK_JSON else args.sdk_json.name
    text = build(sdk, name)
    if args.check:
        current = args.output.read_text() if args.output.exists() else ""
        if current != text:
            print(f"refresh_regions: {args.output} is out of date: run python3 tools/catalog/refresh_regions.py", file=sys.stderr)
            return 1
        print(f"refresh_regions: {args.output} matches its sources")
        return 0
    args.output.write_text(text)
    print(f"refresh_regions: wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
