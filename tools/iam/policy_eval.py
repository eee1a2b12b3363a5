"""A static IAM policy evaluator for identity policies (one account, no SCPs, boundaries or resource policies).

It follows AWS's "Policy evaluation logic" (IAM User Guide): an explicit Deny in any statement wins; otherwise
an Allow whose Action, Resource and Condition all match allows; otherwise the request is implicitly denied.
Supported: Action/NotAction (case-insensitive, `*` and `?`), Resource/NotResource (case-sensitive wildcards),
and the condition operators of "IAM JSON policy elements: Condition operators": String*, Arn*, Bool, Null,
Numeric*, each with ...IfExists, and the ForAnyValue:/ForAllValues: set qualifiers, with policy variables
`${key}` taken from the request context.

Conservative by design: a condition that cannot be decided statically (an unknown operator, or a key the request
context neither gives nor marks absent) makes an Allow statement not apply and a Deny statement count as applying.
Every such case is reported in `Decision.undecided`.
"""
from dataclasses import dataclass, field
import functools
import re


@dataclass
class Request:
    """One API call: `action` like "iam:DeleteRole", `resource` an ARN (or "*"), `context` the condition keys.

    `context` maps condition keys (any case) to a string or a list of strings (multivalued keys such as
    aws:CalledVia). `absent` lists keys known to be absent from the request; any other key not in `context`
    is unknown, and conditions on it are undecidable.
    """
    action: str
    resource: str
    context: dict = field(default_factory=dict)
    absent: frozenset = frozenset()

    def lookup(self, key):
        """("present", [values]) | ("absent", None) | ("unknown", None)."""
        lowered = key.lower()
        for name, value in self.context.items():
            if name.lower() == lowered:
                return "present", (list(value) if isinstance(value, (list, tuple)) else [value])
        if lowered in {k.lower() for k in self.absent} or any(
                p.endswith("*") and lowered.startswith(p[:-1].lower()) for p in self.absent):
            return "absent", None
        return "unknown", None


@dataclass
class Decision:
    """The outcome: `allowed`, `reason` ("allowed", "explicit deny", "implicit deny"), the deciding Sids,
    and the conditions that could not be decided (each made an Allow not apply, or a Deny apply)."""
    allowed: bool
    reason: str
    statements: list
    undecided: list

    def __bool__(self):
        return self.allowed


class Undecidable(Exception):
    """A condition the evaluator cannot decide from the request context."""


@functools.lru_cache(maxsize=4096)
def _pattern(pattern, case_sensitive):
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(regex, re.DOTALL if case_sensitive else re.DOTALL | re.IGNORECASE)


def wildcard_match(pattern, value, case_sensitive=True):
    """IAM wildcard match: `*` any run of characters (also ':' and '/'), `?` one character."""
    return _pattern(pattern, case_sensitive).fullmatch(value) is not None


def action_matches(patterns, action):
    """Action names are case-insensitive; the service prefix must match too."""
    return any(wildcard_match(p, action, case_sensitive=False) for p in _list(patterns))


def resource_matches(patterns, resource):
    """A request on "*" (an action without resource-level permissions) matches only a policy's "*"."""
    if resource == "*":
        return any(p == "*" for p in _list(patterns))
    return any(wildcard_match(p, resource) for p in _list(patterns))


def arn_like(pattern, arn):
    """ArnLike: each of the six colon-separated ARN parts is matched on its own (`*` does not cross ':'),
    except the last, the resource part, which may itself contain colons."""
    if pattern == "*":
        return True
    p_parts, a_parts = pattern.split(":", 5), arn.split(":", 5)
    if len(p_parts) != 6 or len(a_parts) != 6:
        return False
    return all(wildcard_match(p, a) for p, a in zip(p_parts, a_parts))


def _list(value):
    return value if isinstance(value, list) else [value]


def _substitute(value, request):
    """Policy variables `${aws:username}` etc. from the context; `${*}`, `${?}`, `${$}` are literals."""
    def replace(match):
        key = match.group(1)
        if key in ("*", "?", "$"):
            return key
        state, values = request.lookup(key.split(",")[0].strip())
        if state == "present" and len(values) == 1:
            return values[0]
        if "," in key:  # ${key, 'default'}
            return key.split(",", 1)[1].strip().strip("'")
        raise Undecidable(f"policy variable ${{{key}}} is not in the request context")
    return re.sub(r"\$\{([^}]+)\}", replace, value)


def _compare(base, policy_value, request_value):
    """One base-operator comparison (without Not/IfExists/qualifiers)."""
    if base == "StringEquals":
        return policy_value == request_value
    if base == "StringEqualsIgnoreCase":
        return policy_value.lower() == request_value.lower()
    if base == "StringLike":
        return wildcard_match(policy_value, request_value)
    if base in ("ArnEquals", "ArnLike"):
        return arn_like(policy_value, request_value)
    if base == "Bool":
        return policy_value.lower() == request_value.lower()
    if base.startswith("Numeric"):
        try:
            left, right = float(request_value), float(policy_value)
        except ValueError:
            return False
        return {"NumericEquals": left == right, "NumericLessThan": left < right, "NumericLessThanEquals": left <= right,
                "NumericGreaterThan": left > right, "NumericGreaterThanEquals": left >= right}[base]
    raise Undecidable(f"condition operator {base} is not supported")


_BASES = {"StringEquals", "StringEqualsIgnoreCase", "StringLike", "ArnEquals", "ArnLike", "Bool", "NumericEquals",
          "NumericLessThan", "NumericLessThanEquals", "NumericGreaterThan", "NumericGreaterThanEquals"}
_NEGATED = {"StringNotEquals": "StringEquals", "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
            "StringNotLike": "StringLike", "ArnNotEquals": "ArnEquals", "ArnNotLike": "ArnLike",
            "NumericNotEquals": "NumericEquals"}


def condition_holds(operator, key, policy_values, request):
    """Whether one `operator: {key: values}` entry holds for the request; raises Undecidable."""
    qualifier = None
    if ":" in operator:
        qualifier, operator = operator.split(":", 1)
        if qualifier not in ("ForAnyValue", "ForAllValues"):
            raise Undecidable(f"set qualifier {qualifier} is not supported")
    if_exists = operator.endswith("IfExists")
    operator = operator[: -len("IfExists")] if if_exists else operator
    state, request_values = request.lookup(key)
    if state == "unknown":
        raise Undecidable(f"{key} is not in the request context")
    policy_values = [_substitute(str(v).lower() if isinstance(v, bool) else str(v), request) for v in _list(policy_values)]
    if operator == "Null":  # "true": the key must be absent
        wants_absent = policy_values[0].lower() == "true"
        return (state == "absent") == wants_absent
    negated = operator in _NEGATED
    base = _NEGATED.get(operator, operator)
    if base not in _BASES:
        raise Undecidable(f"condition operator {operator} is not supported")
    if state == "absent":
        # AWS: a missing key does not match; negated operators and ...IfExists then hold. ForAllValues holds
        # on an empty set; ForAnyValue does not.
        if qualifier == "ForAllValues":
            return True
        if qualifier == "ForAnyValue":
            return False
        return negated or if_exists

    def one(request_value):  # a request value against the policy's values (OR), negated as a whole
        matched = any(_compare(base, pv, request_value) for pv in policy_values)
        return not matched if negated else matched

    if qualifier == "ForAnyValue":
        return any(one(v) for v in request_values)
    if qualifier == "ForAllValues":
        return all(one(v) for v in request_values)
    if len(request_values) != 1:
        raise Undecidable(f"{key} is multivalued: {operator} needs ForAnyValue or ForAllValues")
    return one(request_values[0])


def statement_conditions_hold(condition, request):
    """All operators and all keys must hold (AND); raises Undecidable."""
    for operator, block in (condition or {}).items():
        for key, values in block.items():
            if not condition_holds(operator, key, values, request):
                return False
    return True


def statements_of(document):
    statements = document.get("Statement", [])
    return statements if isinstance(statements, list) else [statements]


def _scope_matches(statement, request):
    if "Action" in statement:
        hit = action_matches(statement["Action"], request.action)
    else:
        hit = not action_matches(statement.get("NotAction", []), request.action)
    if not hit:
        return False
    if "Resource" in statement:
        return resource_matches(statement["Resource"], request.resource)
    if "NotResource" in statement:
        return not resource_matches(statement["NotResource"], request.resource)
    return False


def evaluate(documents, request):
    """Evaluate identity policy documents (a list of {"Statement": ...} dicts) for one request."""
    allows, denies, undecided = [], [], []
    for index, document in enumerate(documents):
        for number, statement in enumerate(statements_of(document)):
            sid = statement.get("Sid") or f"policy{index}.statement{number}"
            if not _scope_matches(statement, request):
                continue
            deny = statement.get("Effect") == "Deny"
            try:
                holds = statement_conditions_hold(statement.get("Condition"), request)
            except Undecidable as why:
                undecided.append(f"{sid}: {why}")
                holds = deny  # conservative: a Deny that might apply applies; an Allow that might not, doesn't
            if holds:
                (denies if deny else allows).append(sid)
    if denies:
        return Decision(False, "explicit deny", denies, undecided)
    if allows:
        return Decision(True, "allowed", allows, undecided)
    return Decision(False, "implicit deny", [], undecided)
