#!/usr/bin/env python3
"""Generate the region catalog (Sources/StackModel/Catalog/Regions.generated.swift) from its sources.

Per serving engine (`ENGINES`: TGI from `huggingface-llm.json`, vLLM from `huggingface-vllm.json`, both the
SageMaker Python SDK's image_uri_config files) it writes the image repository, every offered version (from the
engine's floor up) with its tag (`{tag_prefix}-gpu-{py_version}-{container_version}`, the SDK's own rule) and
CUDA version, and the registry account per region. A region is supported for an engine when
  1. the engine's JSON names a registry account for it, for every offered version, and
  2. cfn-lint's provider list for the region has every CloudFormation resource type the synthesizer can
     emit (the `"AWS::Service::Type"` literals in Sources/StackModel/API/*+CloudFormation.swift).
Regions that pass 1 but not 2 are listed with the types they lack, so `slmstack validate` can refuse them
with the reason. Only the `aws` partition (China, GovCloud, ISO and sovereign regions use other partitions).

    python3 tools/catalog/refresh_regions.py            # rewrite the Swift file
    python3 tools/catalog/refresh_regions.py --check    # exit 1 when the committed file differs
    python3 tools/catalog/refresh_regions.py --sdk-dir SDK/image_uri_config   # read another SDK copy

No Python runs at `swift build`: the output is committed. Sources and licences: tools/catalog/SOURCES.md.
"""
from __future__ import annotations

import argparse
import importlib
import json
import re
import sys
from typing import NamedTuple
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CATALOG = Path(__file__).resolve().parent
OUTPUT = ROOT / "Sources/StackModel/Catalog/Regions.generated.swift"
# Each resource type declares its CloudFormation type in its own home (StackModel/API/*+CloudFormation.swift)
SYNTH_SOURCES = ROOT / "Sources/StackModel/API"
OTHER_PARTITIONS = ("cn-", "us-gov-", "us-iso", "eusc-")


class EngineSource(NamedTuple):
    """One serving engine: its SDK JSON, the repository every offered version must be in, the oldest offered version."""
    json_name: str
    repository: str
    floor: str


# Engine (the `engine` setting's value) -> where its images come from. TGI from 2.4.0 (the first CUDA 12.4 image
# with the Messages API the shim uses); vLLM from the first SageMaker Hugging Face vLLM image.
ENGINES: dict[str, EngineSource] = {
    "tgi": EngineSource("huggingface-llm.json", "huggingface-pytorch-tgi-inference", "2.4.0"),
    "vllm": EngineSource("huggingface-vllm.json", "huggingface-vllm", "0.14.0"),
}


def version_key(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


# Types only an option uses: a region without them still serves the default stack (the option is then
# refused there by `validate`, from the generated `missingOptionTypes`).
OPTION_TYPES = {"AWS::SageMaker::InferenceComponent": "scaling zero"}


def all_types(sources: Path = SYNTH_SOURCES) -> list[str]:
    """Every CloudFormation type the synthesizer can emit."""
    found: set[str] = set()
    for path in sorted(sources.glob("*+CloudFormation.swift")):
        found.update(re.findall(r'"(AWS::[A-Za-z0-9]+::[A-Za-z0-9]+)"', path.read_text()))
    if not found:
        raise SystemExit(f"refresh_regions: no AWS:: type literals found under {sources}")
    return sorted(found)


def stack_types(sources: Path = SYNTH_SOURCES) -> list[str]:
    """The types a region must offer for slmstack to support it: all but the option-only ones."""
    return [t for t in all_types(sources) if t not in OPTION_TYPES]


def cuda(container_version: str) -> str:
    """`cu124-ubuntu22.04` -> `12.4` (the CUDA toolkit the image was built with)."""
    match = re.match(r"cu(\d+)(\d)-", container_version)
    if not match:
        raise SystemExit(f"refresh_regions: no CUDA version in container_version {container_version!r}")
    return f"{match.group(1)}.{match.group(2)}"


def images(sdk: dict, source: EngineSource) -> dict[str, tuple[str, str]]:
    """Offered version -> (image tag, CUDA version), by the SDK's rule `{tag_prefix}-gpu-{py}-{container_version}`."""
    table = sdk["inference"]["versions"]
    result: dict[str, tuple[str, str]] = {}
    for name in sorted(table, key=version_key):
        if version_key(name) < version_key(source.floor):
            continue
        entry = table[name]
        if entry.get("repository") != source.repository:
            raise SystemExit(f"refresh_regions: version {name} is in repository {entry.get('repository')}, expected {source.repository}")
        if len(entry["py_versions"]) != 1:
            raise SystemExit(f"refresh_regions: version {name} has several Python versions {entry['py_versions']}")
        container = entry["container_version"]["gpu"]
        result[name] = (f"{entry['tag_prefix']}-gpu-{entry['py_versions'][0]}-{container}", cuda(container))
    if not result:
        raise SystemExit(f"refresh_regions: no version from {source.floor} in {source.json_name}")
    return result


def registries(sdk: dict, versions: list[str]) -> dict[str, str]:
    """Region -> registry account, for regions that publish every version (one account per region)."""
    table = sdk["inference"]["versions"]
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


def build(sdks: dict[str, dict], names: dict[str, str]) -> str:
    """The Swift source, from each engine's SDK JSON (`sdks`, by engine) and the names to cite for them."""
    types = stack_types()
    options = [t for t in all_types() if t in OPTION_TYPES]
    option_lacking: dict[str, list[str]] = {}
    supported: dict[str, dict[str, str]] = {}
    offered: dict[str, dict[str, tuple[str, str]]] = {}
    lacking: dict[str, list[str]] = {}
    for engine, source in ENGINES.items():
        offered[engine] = images(sdks[engine], source)
        supported[engine] = {}
        for region, account in registries(sdks[engine], list(offered[engine])).items():
            region_offered = region_types(region)
            missing = ["(cfn-lint has no provider list for this region)"] if region_offered is None else [t for t in types if t not in region_offered]
            if missing:
                lacking[region] = missing
            else:
                supported[engine][region] = account
                if absent := [t for t in options if t not in region_offered]:
                    option_lacking[region] = absent
    cited = ", ".join(f"tools/catalog/{names[e]}" for e in ENGINES)
    lines = [
        "// Generated by tools/catalog/refresh_regions.py: do not edit; run the script to refresh.",
        f"// Sources: {cited} (SageMaker Python SDK, Apache-2.0) and cfn-lint {version('cfn-lint')} region provider lists.",
        "",
        "extension EngineCatalog {",
        "    /// Engine → the image repository in each region's registry.",
        "    public static let repositories: [Engine: String] = [",
    ]
    lines += [f'        .{e}: "{s.repository}",' for e, s in ENGINES.items()]
    lines += [
        "    ]",
        "",
        "    /// Engine → version → image tag and the CUDA version the image was built with.",
        "    public static let images: [Engine: [String: EngineImage]] = [",
    ]
    for engine, table in offered.items():
        lines.append(f"        .{engine}: [")
        lines += [f'            "{v}": EngineImage(tag: "{tag}", cuda: "{c}"),' for v, (tag, c) in table.items()]
        lines.append("        ],")
    lines += [
        "    ]",
        "}",
        "",
        "extension RegionCatalog {",
        "    /// Engine → region → ECR account of the engine's repository, for the regions where the image is",
        "    /// published for every offered version and CloudFormation offers every resource type the stack can use.",
        "    public static let registryAccounts: [Engine: [String: String]] = [",
    ]
    for engine, table in supported.items():
        lines.append(f"        .{engine}: [")
        lines += [f'            "{r}": "{a}",' for r, a in table.items()]
        lines.append("        ],")
    lines += [
        "    ]",
        "",
        "    /// Regions where an image is published but CloudFormation lacks resource types the stack uses",
        "    /// (from cfn-lint's provider list for the region): region → the missing types.",
        "    public static let missingCloudFormationTypes: [String: [String]] = [",
    ]
    for region in sorted(lacking):
        items = ", ".join(f'"{t}"' for t in lacking[region])
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
    for region in sorted(option_lacking):
        items = ", ".join(f'"{t}"' for t in option_lacking[region])
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


def load(sdk_dir: Path) -> tuple[dict[str, dict], dict[str, str]]:
    """Each engine's SDK JSON from `sdk_dir`, and the names to cite."""
    sdks = {e: json.loads((sdk_dir / s.json_name).read_text()) for e, s in ENGINES.items()}
    return sdks, {e: s.json_name for e, s in ENGINES.items()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sdk-dir", type=Path, default=CATALOG,
                    help="folder with the SDK's huggingface-llm.json and huggingface-vllm.json (default: the vendored copies)")
    ap.add_argument("--check", action="store_true", help="compare with the committed file instead of writing it")
    ap.add_argument("--output", type=Path, default=OUTPUT)
    args = ap.parse_args(argv)
    sdks, names = load(args.sdk_dir)
    text = build(sdks, names)
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
