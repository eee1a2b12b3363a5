"""One invocation of a Python Lambda function, run by localaws (fix `lambda_invoke_subprocess`).

    python3 lambda_runner.py TASK_DIR HANDLER EVENT_FILE RESULT_FILE DEADLINE_MS REQUEST_ID

Imports HANDLER ("module.function", e.g. index.handler) from TASK_DIR (the unzipped code), calls it
with the event in EVENT_FILE and a minimal context, and writes RESULT_FILE:
{"payload": "<the JSON result>"} or {"error": {"errorMessage", "errorType", "stackTrace"}}, with
the Lambda Python runtime's error types. The function's stdout/stderr are its log; the result never
goes through them. Standard library only.
"""
import importlib
import json
import os
import sys
import time
import traceback


class Context:
    """The attributes of the Lambda Python runtime's context object that functions use."""

    def __init__(self, request_id: str, deadline_ms: int) -> None:
        env = os.environ
        self.aws_request_id = request_id
        self.function_name = env.get("AWS_LAMBDA_FUNCTION_NAME", "")
        self.function_version = env.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.invoked_function_arn = env.get("LOCALAWS_FUNCTION_ARN", "")
        self.memory_limit_in_mb = env.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        self.log_group_name = env.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = env.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        self.identity = None
        self.client_context = None
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int(self._deadline_ms - time.time() * 1000))


def _error(kind: str, message: str, exc: BaseException | None = None) -> dict:
    stack = []
    if exc is not None and exc.__traceback__ is not None:
        frames = traceback.extract_tb(exc.__traceback__)[1:]  # drop the runner's own frame
        stack = traceback.format_list(frames)
        print(f"[ERROR] {kind}: {message}\nTraceback (most recent call last):\n{''.join(stack)}",
              file=sys.stderr, end="", flush=True)
    else:
        print(f"[ERROR] {kind}: {message}", file=sys.stderr, flush=True)
    return {"error": {"errorMessage": message, "errorType": kind, "stackTrace": stack}}


def run(task_dir: str, handler: str, event_file: str, deadline_ms: int, request_id: str) -> dict:
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [task_dir] + [p for p in sys.path if os.path.abspath(p or ".") != here]
    os.chdir(task_dir)
    module_name, _, function_name = handler.rpartition(".")
    if not module_name or not function_name:
        return _error("Runtime.MalformedHandlerName", f"Bad handler '{handler}': not enough values to unpack "
                                                      "(expected 2, got 1)")
    try:
        module = importlib.import_module(module_name.replace("/", "."))
    except Exception as exc:  # noqa: BLE001 - reported as the runtime does
        return _error("Runtime.ImportModuleError", f"Unable to import module '{module_name}': {exc}")
    function = getattr(module, function_name, None)
    if not callable(function):
        return _error("Runtime.HandlerNotFound", f"Handler '{function_name}' missing on module '{module_name}'")
    with open(event_file, encoding="utf-8") as fh:
        event = json.load(fh)
    try:
        result = function(event, Context(request_id, deadline_ms))
    except Exception as exc:  # noqa: BLE001 - the function's own error: Unhandled
        return _error(type(exc).__name__, str(exc), exc)
    except SystemExit as exc:
        return _error("Runtime.ExitError", f"RequestId: {request_id} Error: Runtime exited with error: "
                                           f"exit status {exc.code}")
    try:
        return {"payload": json.dumps(result)}
    except (TypeError, ValueError) as exc:
        return _error("Runtime.MarshalError", f"Unable to marshal response: {exc}")


def main(argv: list) -> int:
    task_dir, handler, event_file, result_file, deadline_ms, request_id = argv
    out = run(task_dir, handler, event_file, int(deadline_ms), request_id)
    tmp = result_file + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(out, fh)
    os.replace(tmp, result_file)
    sys.stdout.flush()
    sys.stderr.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
