"""The AWS API calls a Lambda function's Python source makes, read from its AST, for given environment values.

Follows module-level functions and methods (`self.f()`) from the entry point, and across the modules of a
package (`import index` then `index.f()` or `index.CLIENT.method()`); an `if` whose test depends only on
os.environ values and constants (==, !=, in, startswith, endswith, not, and, or) takes only the live branch for
the given environment, any other test keeps both branches (so every call that might run is required). os.environ
is followed through a variable bound to it and a parameter it is passed to (`env = os.environ`, `f(os.environ)`).
boto3 client methods, waiters and paginators map to IAM actions through botocore's service models
(`service:OperationName`), plus DOCUMENTED_ALSO. Each call is returned with the keyword names it passes and,
where a keyword's value comes from os.environ, the variable name, so that the caller can tell which resource it
acts on.
"""
import ast
import functools
from dataclasses import dataclass, field

import boto3

# boto3 client name -> IAM service prefix, where they differ.
IAM_PREFIX = {"stepfunctions": "states", "sagemaker-runtime": "sagemaker", "application-autoscaling": "application-autoscaling"}
UNDECIDED = object()
# Operations AWS's documents authorize under more than one action name: both are required. InvokeEndpoint-
# WithResponseStream: the Service Authorization Reference (list_amazonsagemaker) lists it as its own action
# sagemaker:InvokeEndpointWithResponseStream, while its API reference page says the caller must be allowed
# sagemaker:InvokeEndpoint; a role that holds only one of them fails under the other reading.
DOCUMENTED_ALSO = {"sagemaker:InvokeEndpointWithResponseStream": ["sagemaker:InvokeEndpoint"]}


@dataclass
class ApiCall:
    action: str
    keywords: dict = field(default_factory=dict)  # keyword -> env var name, a constant, or None
    line: int = 0
    module: str = "index"


@functools.lru_cache(maxsize=None)
def _clients(service):
    return boto3.session.Session(region_name="us-east-1").client(service, aws_access_key_id="x", aws_secret_access_key="x")


class _Reader(ast.NodeVisitor):
    def __init__(self, tree, env, package=None, calls=None, name="index"):
        self.name = name
        self.functions = {}  # name -> [FunctionDef]: module functions and class methods
        for node in tree.body:
            for f in node.body if isinstance(node, ast.ClassDef) else [node]:
                if isinstance(f, ast.FunctionDef):
                    self.functions.setdefault(f.name, []).append(f)
        self.env = env
        self.calls = [] if calls is None else calls
        self.package = package if package is not None else {}  # module name -> _Reader
        self.imports = {a.asname or a.name: a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        self.visited = set()
        self.clients = {}  # variable -> boto3 service
        self.env_vars = {}  # variable -> env var name
        self.environ = set()  # variables and parameters bound to os.environ
        # every service the module makes a client for: a client passed around as an argument is still found
        self.services = sorted({self.const(n.args[0]) for n in ast.walk(tree) if isinstance(n, ast.Call)
                                and ast.unparse(n.func) == "boto3.client" and n.args and self.const(n.args[0])})
        for statement in tree.body:  # module-level clients and constants
            if isinstance(statement, ast.Assign):
                self.visit(statement)

    # ---- static values -----------------------------------------------------------------------------
    def is_environ(self, node):
        return ast.unparse(node) == "os.environ" or (isinstance(node, ast.Name) and node.id in self.environ)

    def env_name(self, node):
        """The env var a node reads (os.environ["X"], os.environ.get("X", ...)) or a variable bound to one."""
        if isinstance(node, ast.Subscript) and self.is_environ(node.value):
            return self.const(node.slice)
        if isinstance(node, ast.Call) and node.args and (ast.unparse(node.func) == "os.getenv" or (
                isinstance(node.func, ast.Attribute) and node.func.attr == "get" and self.is_environ(node.func.value))):
            return self.const(node.args[0])
        if isinstance(node, ast.Name):
            return self.env_vars.get(node.id)
        return None

    @staticmethod
    def const(node):
        return node.value if isinstance(node, ast.Constant) else None

    def value(self, node):
        """A static value, or UNDECIDED."""
        if isinstance(node, ast.Constant):
            return node.value
        name = self.env_name(node)
        if name is not None:
            return self.env.get(name, UNDECIDED)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            inner = self.value(node.operand)
            return UNDECIDED if inner is UNDECIDED else not inner
        if isinstance(node, ast.BoolOp):
            values = [self.value(v) for v in node.values]
            if UNDECIDED in values:
                return UNDECIDED
            return all(values) if isinstance(node.op, ast.And) else any(values)
        if isinstance(node, ast.Compare) and len(node.ops) == 1:
            left, right = self.value(node.left), self.value(node.comparators[0])
            if UNDECIDED in (left, right):
                return UNDECIDED
            op = node.ops[0]
            ops = {ast.Eq: lambda: left == right, ast.NotEq: lambda: left != right, ast.In: lambda: left in right,
                   ast.NotIn: lambda: left not in right}
            return ops[type(op)]() if type(op) in ops else UNDECIDED
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("startswith", "endswith"):
            target, args = self.value(node.func.value), [self.value(a) for a in node.args]
            if target is UNDECIDED or UNDECIDED in args or not isinstance(target, str):
                return UNDECIDED
            return getattr(target, node.func.attr)(*args)
        return UNDECIDED

    # ---- walking -------------------------------------------------------------------------------------
    def run(self, name):
        if name in self.visited or name not in self.functions:
            return
        self.visited.add(name)
        for function in self.functions[name]:
            try:
                for statement in function.body:
                    self.visit(statement)
            except _Stop:  # a live branch returned: the rest of this function does not run
                pass

    def bind(self, name, call, caller):
        """Parameters of `name` that this call passes os.environ to become os.environ too."""
        for function in self.functions.get(name, []):
            params = [a.arg for a in function.args.args]
            params = params[1:] if params[:1] == ["self"] else params
            passed = list(zip(params, call.args)) + [(k.arg, k.value) for k in call.keywords if k.arg]
            self.environ |= {param for param, value in passed if caller.is_environ(value)}

    def visit_If(self, node):
        test = self.value(node.test)
        if test is UNDECIDED or test:
            for s in node.body:
                self.visit(s)
        if test is UNDECIDED or not test:
            for s in node.orelse:
                self.visit(s)
        if test is not UNDECIDED and test and any(isinstance(s, (ast.Return, ast.Raise)) for s in node.body):
            raise _Stop()

    def visit_Assign(self, node):
        self.generic_visit(node)
        for target in node.targets:
            if isinstance(target, ast.Name):
                service = self.client_service(node.value)
                if service:
                    self.clients[target.id] = service
                env = self.env_name(node.value)
                if env:
                    self.env_vars[target.id] = env
                if self.is_environ(node.value):
                    self.environ.add(target.id)

    def client_service(self, node):
        if isinstance(node, ast.Call) and ast.unparse(node.func) == "boto3.client" and node.args:
            return self.const(node.args[0])
        return None

    def visit_Call(self, node):
        self.generic_visit(node)
        func = node.func
        if isinstance(func, ast.Name):
            self.bind(func.id, node, self)
            self.run(func.id)
            return
        if not isinstance(func, ast.Attribute):
            return
        owner = func.value
        if isinstance(owner, ast.Name) and self.imports.get(owner.id) in self.package:  # index.prepare(...)
            module = self.package[self.imports[owner.id]]
            module.bind(func.attr, node, self)
            module.run(func.attr)
            return
        if isinstance(owner, ast.Attribute) and isinstance(owner.value, ast.Name) and \
                self.imports.get(owner.value.id) in self.package:  # index.SM.invoke_endpoint(...)
            service = self.package[self.imports[owner.value.id]].clients.get(owner.attr)
            if service:
                self.record(service, func, node)
            return
        if isinstance(owner, ast.Name) and owner.id == "self" and func.attr in self.functions:  # a method
            self.bind(func.attr, node, self)
            self.run(func.attr)
            return
        service = self.client_service(func.value) or (self.clients.get(func.value.id) if isinstance(func.value, ast.Name) else None)
        if service:
            self.record(service, func, node)
        elif isinstance(func.value, ast.Name):  # maybe a client passed in: any of the module's services with that method
            for candidate in self.services:
                if func.attr in _clients(candidate).meta.method_to_api_mapping or func.attr in ("get_waiter", "get_paginator"):
                    self.record(candidate, func, node, guessed=True)

    def record(self, service, func, node, guessed=False):
        client = _clients(service)
        prefix = IAM_PREFIX.get(service, service)
        keywords = {k.arg: (self.env_name(k.value) and f"env:{self.env_name(k.value)}") or self.const(k.value)
                    for k in node.keywords if k.arg}
        if func.attr in ("get_waiter", "get_paginator"):
            name = self.const(node.args[0]) if node.args else None
            if guessed and name not in (client.waiter_names if func.attr == "get_waiter" else client.meta.method_to_api_mapping):
                return
            operation = (client.get_waiter(name).config.operation if func.attr == "get_waiter"
                         else client.meta.method_to_api_mapping[name])
            self.calls.append(ApiCall(f"{prefix}:{operation}", keywords, node.lineno, self.name))
        elif func.attr in client.meta.method_to_api_mapping:
            action = f"{prefix}:{client.meta.method_to_api_mapping[func.attr]}"
            self.calls += [ApiCall(a, keywords, node.lineno, self.name) for a in [action] + DOCUMENTED_ALSO.get(action, [])]


class _Stop(Exception):
    """A live branch returned: the rest of the function does not run for this environment."""


def api_calls(source, env, entry="handler"):
    """[ApiCall] the function may make when invoked through `entry` with environment `env`."""
    return package_calls({"index": source}, "index", env, entry)


def package_calls(sources, module, env, entry=None):
    """[ApiCall] of a package ({module name: source}) run through `module`.`entry`; entry None runs every
    function and method of that module (a program whose handlers a framework calls by name, such as
    http.server's do_<METHOD>, which the AST cannot follow)."""
    calls, package = [], {}
    for name, source in sources.items():
        package[name] = _Reader(ast.parse(source), env, package, calls, name)
    reader = package[module]
    for name in [entry] if entry else list(reader.functions):
        reader.run(name)
    return calls
