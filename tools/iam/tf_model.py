"""A small reader for the Terraform files slmstack synthesizes: blocks, and the expressions the IAM check needs.

Attributes are kept as token lists and evaluated on demand, so expressions outside the supported subset
(strings with ${} interpolation, numbers, bools, null, lists, objects, references with .attr/[n]/[*],
!, ==, !=, &&, ||, ? :, and the functions in Expr.call) only fail when evaluated.
References resolve to symbolic values: variables to their defaults (or overrides), data sources to account
123456789012 / the region / partition aws, resource attributes to names and ARNs like cfn_model's.
"""
import re

from variants import ACCOUNT, REGION

TOKEN = re.compile(r'[ \t\r]*(?:(?P<nl>\n)|(?P<comment>#[^\n]*|//[^\n]*|/\*.*?\*/)|(?P<num>\d+(?:\.\d+)?)'
                   r'|(?P<id>[A-Za-z_][A-Za-z0-9_-]*)|(?P<op>==|!=|&&|\|\||<=|>=|=>|\.\.\.|[{}\[\]().,=:?!<>+\-*/%])|(?P<str>"))',
                   re.S)
# Terraform resource type -> ARN pattern for its `arn` attribute ({name} is the resource's name).
TF_ARNS = {
    "aws_iam_role": "arn:aws:iam::{account}:role/{name}",
    "aws_cloudwatch_log_group": "arn:aws:logs:{region}:{account}:log-group:{name}",
    "aws_lambda_function": "arn:aws:lambda:{region}:{account}:function:{name}",
    "aws_sagemaker_endpoint": "arn:aws:sagemaker:{region}:{account}:endpoint/{lname}",
    "aws_sns_topic": "arn:aws:sns:{region}:{account}:{name}",
    "aws_kms_key": "arn:aws:kms:{region}:{account}:key/{name}",
    "aws_cloudwatch_metric_alarm": "arn:aws:cloudwatch:{region}:{account}:alarm:{name}",
    "aws_scheduler_schedule": "arn:aws:scheduler:{region}:{account}:schedule/default/{name}",
    "aws_sqs_queue": "arn:aws:sqs:{region}:{account}:{name}",
}
NAME_ATTRIBUTES = ("name", "function_name", "alarm_name")


def _read_string(text, i):
    """Raw content of a quoted string starting after its opening quote; returns (content, next index)."""
    out, depth = [], 0
    while i < len(text):
        c = text[i]
        if c == "\\":
            out.append(text[i:i + 2])
            i += 2
            continue
        if depth == 0 and c == '"':
            return "".join(out), i + 1
        if text.startswith("${", i):
            depth += 1
            out.append("${")
            i += 2
            continue
        if depth and c == "}":
            depth -= 1
        elif depth and c == '"':
            inner, end = _read_string(text, i + 1)
            out.append('"' + inner + '"')
            i = end
            continue
        out.append(c)
        i += 1
    raise ValueError("unterminated string")


def tokenize(text):
    tokens, i = [], 0
    while i < len(text):
        m = TOKEN.match(text, i)
        if not m or m.end() == i:
            if text[i:].strip() == "":
                break
            raise ValueError(f"cannot read Terraform at {text[i:i + 30]!r}")
        i = m.end()
        kind = m.lastgroup
        if kind == "comment":
            continue
        if kind == "str":
            content, i = _read_string(text, i)
            tokens.append(("str", content))
        else:
            tokens.append((kind, m.group(kind)))
    return tokens


def parse_body(tokens, i=0):
    """[(kind, name, labels, value)] until a closing brace: ("attr", name, [], tokens) or ("block", ...)."""
    items = []
    while i < len(tokens):
        kind, value = tokens[i]
        if kind == "nl":
            i += 1
            continue
        if value == "}":
            return items, i + 1
        name, i = value, i + 1
        if tokens[i][1] == "=":
            depth, j = 0, i + 1
            while j < len(tokens) and not (depth == 0 and tokens[j][0] == "nl") and not (depth == 0 and tokens[j][1] == "}"):
                depth += tokens[j][1] in "([{" and tokens[j][0] == "op"
                depth -= tokens[j][1] in ")]}" and tokens[j][0] == "op"
                j += 1
            items.append(("attr", name, [], tokens[i + 1:j]))
            i = j
            continue
        labels = []
        while tokens[i][1] != "{":
            labels.append(tokens[i][1])
            i += 1
        body, i = parse_body(tokens, i + 1)
        items.append(("block", name, labels, body))
    return items, i


class Terraform:
    """The synthesized files of one directory, with `variables` overriding the defaults."""

    def __init__(self, files, variables=None):
        self.items = []
        for text in files:
            self.items += parse_body(tokenize(text))[0]
        self.variables = {}
        self.locals = {}
        for kind, name, labels, body in self.items:
            if kind == "block" and name == "variable":
                default = [v for k, n, _, v in body if k == "attr" and n == "default"]
                self.variables[labels[0]] = ("lazy", default[0]) if default else None
            if kind == "block" and name == "locals":
                self.locals.update({n: ("lazy", v) for k, n, _, v in body if k == "attr"})
        self.variables.update(variables or {})

    def resources(self, type_name=None):
        """{(type, name): {attribute: tokens, "_blocks": [...]}}"""
        out = {}
        for kind, name, labels, body in self.items:
            if kind == "block" and name == "resource" and (type_name is None or labels[0] == type_name):
                out[(labels[0], labels[1])] = body
        return out

    def attr(self, body, name):
        for kind, n, _, value in body:
            if kind == "attr" and n == name:
                return Expr(self, value).value()
        return None

    def block(self, body, name):
        return [value for kind, n, _, value in body if kind == "block" and n == name]

    # ---- references ------------------------------------------------------------------------------------
    def _lazy(self, value):
        return Expr(self, value[1]).value() if isinstance(value, tuple) and value and value[0] == "lazy" else value

    def reference(self, parts):
        head = parts[0]
        if head == "var":
            return self._lazy(self.variables.get(parts[1])), 2
        if head == "local":
            return self._lazy(self.locals.get(parts[1])), 2
        if head == "data":
            values = {"aws_caller_identity": {"account_id": ACCOUNT}, "aws_partition": {"partition": "aws"},
                      "aws_region": {"name": REGION, "region": REGION}}
            return values.get(parts[1], {}).get(parts[3], f"${{data.{parts[1]}.{parts[3]}}}"), 4
        if head == "path":
            return ".", 2
        if head.startswith("aws_"):
            return ResourceRef(self, head, parts[1]), 2
        raise ValueError(f"unsupported reference {'.'.join(map(str, parts))}")

    def resource_name(self, type_name, name):
        body = self.resources(type_name).get((type_name, name))
        if body is not None:
            for attribute in NAME_ATTRIBUTES:
                value = self.attr(body, attribute)
                if isinstance(value, str):
                    return value
        return f"tf-{type_name}-{name}-GENERATED"

    def resource_attr(self, type_name, name, attribute):
        resource_name = self.resource_name(type_name, name)
        if attribute == "arn" and type_name in TF_ARNS:
            return TF_ARNS[type_name].format(account=ACCOUNT, region=REGION, name=resource_name, lname=resource_name.lower())
        if attribute in NAME_ATTRIBUTES or attribute in ("id", "key_id"):
            return resource_name
        return f"${{{type_name}.{name}.{attribute}}}"


class ResourceRef:
    def __init__(self, tf, type_name, name):
        self.tf, self.type_name, self.name = tf, type_name, name

    def get(self, attribute):
        return self.tf.resource_attr(self.type_name, self.name, attribute)

    def exists(self):
        """count = 0 (e.g. a paused endpoint) means the resource is not there."""
        body = self.tf.resources(self.type_name).get((self.type_name, self.name))
        count = self.tf.attr(body, "count") if body is not None else None
        return count is None or count > 0


class Expr:
    """A recursive-descent evaluator over one attribute's tokens."""

    def __init__(self, tf, tokens):
        self.tf, self.tokens, self.i = tf, [t for t in tokens if t[0] != "nl"], 0

    def peek(self):
        return self.tokens[self.i][1] if self.i < len(self.tokens) else None

    def take(self, expected=None):
        token = self.tokens[self.i]
        if expected is not None and token[1] != expected:
            raise ValueError(f"expected {expected}, found {token[1]}")
        self.i += 1
        return token

    def value(self):
        result = self.ternary()
        return result.get("arn") if isinstance(result, ResourceRef) else result

    def ternary(self):
        condition = self.binary(0)
        if self.peek() == "?":
            self.take()
            yes = self.ternary()
            self.take(":")
            no = self.ternary()
            return yes if condition else no
        return condition

    LEVELS = [("||",), ("&&",), ("==", "!="), ("<", ">", "<=", ">="), ("+", "-"), ("*", "/", "%")]

    def binary(self, level):
        if level == len(self.LEVELS):
            return self.unary()
        left = self.binary(level + 1)
        while self.peek() in self.LEVELS[level] and self.tokens[self.i][0] == "op":
            op = self.take()[1]
            right = self.binary(level + 1)
            left = {"||": lambda: left or right, "&&": lambda: left and right, "==": lambda: left == right,
                    "!=": lambda: left != right, "<": lambda: left < right, ">": lambda: left > right,
                    "<=": lambda: left <= right, ">=": lambda: left >= right, "+": lambda: left + right,
                    "-": lambda: left - right, "*": lambda: left * right, "/": lambda: left / right,
                    "%": lambda: left % right}[op]()
        return left

    def unary(self):
        if self.peek() == "!":
            self.take()
            return not self.unary()
        if self.peek() == "-":
            self.take()
            return -self.unary()
        return self.postfix(self.primary())

    def primary(self):
        kind, token = self.take()
        if kind == "num":
            return float(token) if "." in token else int(token)
        if kind == "str":
            return self.template(token)
        if token == "(":
            inner = self.ternary()
            self.take(")")
            return inner
        if token == "[":
            items = []
            while self.peek() != "]":
                items.append(self.value())
                if self.peek() == ",":
                    self.take()
            self.take("]")
            return items
        if token == "{":
            obj = {}
            while self.peek() != "}":
                key_kind, key = self.take()
                key = self.template(key) if key_kind == "str" else key
                self.take("=") if self.peek() == "=" else self.take(":")
                obj[key] = self.value()
                if self.peek() == ",":
                    self.take()
            self.take("}")
            return obj
        if kind == "id":
            if token in ("true", "false", "null"):
                return {"true": True, "false": False, "null": None}[token]
            if self.peek() == "(":
                return self.call(token)
            parts = [token]
            while self.peek() == "." and self.i + 1 < len(self.tokens) and self.tokens[self.i + 1][0] == "id":
                self.take()
                parts.append(self.take()[1])
                if parts[0].startswith("aws_") and len(parts) == 2:
                    break
            return self.tf.reference(parts)[0]
        raise ValueError(f"unsupported token {token!r}")

    def postfix(self, value):
        while self.peek() in (".", "["):
            if self.take()[1] == ".":
                attribute = self.take()[1]
                if isinstance(value, list):
                    value = [v.get(attribute) if isinstance(v, (ResourceRef, dict)) else v for v in value]
                elif isinstance(value, (ResourceRef, dict)):
                    value = value.get(attribute)
            elif self.peek() == "*":
                self.take()
                self.take("]")
                value = [value] if not isinstance(value, ResourceRef) or value.exists() else []
            else:
                self.ternary()
                self.take("]")
        return value

    def call(self, name):
        self.take("(")
        args = []
        while self.peek() != ")":
            args.append(self.ternary())
            if self.peek() == ",":
                self.take()
        self.take(")")
        args = [a.get("arn") if isinstance(a, ResourceRef) else a for a in args]
        functions = {"jsonencode": lambda a: a[0], "one": lambda a: (a[0][0] if a[0] else None) if isinstance(a[0], list) else a[0],
                     "substr": lambda a: a[0][a[1]:a[1] + a[2]], "max": lambda a: max(a), "min": lambda a: min(a),
                     "merge": lambda a: {k: v for d in a for k, v in d.items()},
                     "tostring": lambda a: str(a[0]).lower() if isinstance(a[0], bool) else str(a[0]),
                     "tonumber": lambda a: float(a[0]), "lower": lambda a: a[0].lower(), "upper": lambda a: a[0].upper(),
                     "length": lambda a: len(a[0]), "concat": lambda a: [x for lst in a for x in lst],
                     "lookup": lambda a: a[0].get(a[1], a[2] if len(a) > 2 else None)}
        if name not in functions:
            raise ValueError(f"unsupported function {name}()")
        return functions[name](args)

    def template(self, raw):
        out, i = [], 0
        while i < len(raw):
            if raw.startswith("${", i):
                depth, j = 1, i + 2
                while depth:
                    depth += {"{": 1, "}": -1}.get(raw[j], 0)
                    j += 1
                value = Expr(self.tf, tokenize(raw[i + 2:j - 1])).value()
                out.append(str(value).lower() if isinstance(value, bool) else str(value))
                i = j
            elif raw[i] == "\\":
                out.append({"n": "\n", "t": "\t", '"': '"', "\\": "\\"}.get(raw[i + 1], raw[i + 1]))
                i += 2
            else:
                out.append(raw[i])
                i += 1
        return "".join(out)
