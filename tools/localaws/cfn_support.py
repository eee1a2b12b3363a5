"""What the CloudFormation fixes share; no fix lives here.

- moto's cache of CloudFormation model classes (`_refresh_cfn_model_registry`), a step after moto's own
  create handler (`_wrap_cfn_create`), the one-attribute GetAtt mixin (`_OneAttribute`)
- a template's dependency order (`deletion_order`: Ref, Fn::GetAtt, Fn::Sub, DependsOn), used by
  DeleteStack (fix 3a), updates (fixes 12, 23) and CreateStack (fix 42)
- the names CloudFormation generates (`cfn_name`), tags, error text, template values (`_int`, `_float`, `_bool`)
"""
from __future__ import annotations

import re
from typing import Any, Callable


def _refresh_cfn_model_registry() -> None:
    """moto caches the CloudFormationModel subclass list; clear it after adding classes."""
    from moto.cloudformation import parsing

    for cached in (parsing.get_model_list, parsing.get_model_map, parsing.get_name_type_map):
        cached.cache_clear()


def _wrap_cfn_create(cls: Any, after: Callable[..., None]) -> None:
    """Run `after(resource, properties, account_id, region_name)` after moto's own CFN create."""
    original = cls.create_from_cloudformation_json.__func__

    def create(klass: Any, resource_name: str, cloudformation_json: dict[str, Any], account_id: str,
               region_name: str, **kwargs: Any) -> Any:
        res = original(klass, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        after(res, cloudformation_json.get("Properties") or {}, account_id, region_name)
        return res

    cls.create_from_cloudformation_json = classmethod(create)


def _tags_dict(tags: Any) -> dict[str, str]:
    if isinstance(tags, dict):
        return dict(tags)
    return {t["Key"]: t["Value"] for t in tags or []}


def _error_text(exc: BaseException) -> str:
    for attr in ("message", "description"):
        val = getattr(exc, attr, None)
        if isinstance(val, str) and val:
            return f"{type(exc).__name__}: {val}"
    return f"{type(exc).__name__}: {exc}"


def _template_deps(resource_json: dict[str, Any], names: set[str]) -> set[str]:
    """Logical IDs a resource depends on: DependsOn, Ref, Fn::GetAtt and ${X}/${X.Attr} in Fn::Sub."""
    deps: set[str] = set()
    d = resource_json.get("DependsOn") or []
    deps.update([d] if isinstance(d, str) else d)

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "Ref" and isinstance(v, str):
                    deps.add(v)
                elif k == "Fn::GetAtt":
                    target = v[0] if isinstance(v, list) else str(v).split(".")[0]
                    deps.add(target)
                elif k == "Fn::Sub":
                    tpl = v[0] if isinstance(v, list) else v
                    if isinstance(tpl, str):
                        deps.update(m.split(".")[0] for m in re.findall(r"\$\{([^!}][^}]*)\}", tpl))
                    walk(v[1] if isinstance(v, list) and len(v) > 1 else None)
                else:
                    walk(v)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk({k: v for k, v in resource_json.items() if k != "DependsOn"})
    return deps & names


def deletion_order(resources: dict[str, Any]) -> list[str]:
    """Reverse topological order of a template's resources (dependents before what they use)."""
    names = set(resources)
    deps = {lid: _template_deps(r, names) - {lid} for lid, r in resources.items()}
    order: list[str] = []
    state: dict[str, int] = {}

    def visit(lid: str) -> None:
        if state.get(lid) == 2:
            return
        if state.get(lid) == 1:  # cycle: CloudFormation would reject the template; keep going
            return
        state[lid] = 1
        for d in sorted(deps[lid]):
            visit(d)
        state[lid] = 2
        order.append(lid)

    for lid in sorted(resources):
        visit(lid)
    return list(reversed(order))


def cfn_name(resource_name: str, props: dict[str, Any], name_prop: str, limit: int) -> str:
    """The name CloudFormation gives a resource: the template's, or `<stack>-<LogicalId>-<RANDOM>` cut to `limit`.

    moto generates `<stack>-<LogicalId>-<12 random>` without a length limit; CloudFormation shortens
    the `<stack>-<LogicalId>` part so that the whole name fits the service's limit.
    """
    if props.get(name_prop):
        return str(props[name_prop])
    prefix, _, suffix = resource_name.rpartition("-")
    if not prefix or len(resource_name) <= limit:
        return resource_name[:limit]
    return f"{prefix[:limit - len(suffix) - 1].rstrip('-')}-{suffix}"


def _int(v: Any) -> Any:
    return int(v) if isinstance(v, (str, float)) and str(v).lstrip("-").replace(".", "", 1).isdigit() else v


def _float(v: Any) -> Any:
    try:
        return float(v)
    except (TypeError, ValueError):
        return v


def _bool(v: Any) -> bool:
    return str(v).lower() == "true"


def _unformatted_getatt() -> Exception:
    from moto.cloudformation.exceptions import UnformattedGetAttTemplateException

    return UnformattedGetAttTemplateException()


class _OneAttribute:
    """The one `Fn::GetAtt` attribute of a CloudFormation model a fix adds: `cfn_attribute`, read
    from the attribute `cfn_attribute_field` (mixed in before moto's CloudFormationModel)."""

    cfn_attribute = "Arn"
    cfn_attribute_field = "arn"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr == cls.cfn_attribute

    def get_cfn_attribute(self, attribute_name: str) -> str:
        if attribute_name == self.cfn_attribute:
            return getattr(self, self.cfn_attribute_field)
        raise _unformatted_getatt()
