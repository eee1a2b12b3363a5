"""Prompt length: the shim refuses up front only what is certainly too long for the model.

TinyLlama's tokenizer (Llama 2's SentencePiece vocabulary) has no piece longer than 16 characters, so
a prompt (or, for chat, the messages' contents, which the model's own template only adds to) of n
characters is at least ceil(n / 16) tokens; anything shorter goes to the engine, whose own length
errors come back as 413. Each test runs on the file and on its inlined form.
"""

from shim_support import assert_error_shape
from test_routes import sent


# ---------------------------------------------------------------- prompt length: refused up front only when certain


def test_a_3000_character_message_reaches_the_model(shim, fake):
    # about 700 real tokens, well inside TinyLlama's 2,048-token context
    content = ("The quick brown fox jumps over the lazy dog. " * 70)[:3000]
    status, out = shim.call("/v1/chat/completions", {"messages": [{"role": "user", "content": content}]})
    assert status == 200, out
    assert len(fake.requests) == 1 and sent(fake)["messages"] == [{"role": "user", "content": content}]
    assert shim.logs[-1]["prompt_tokens_min"] == -(-len(content) // 16)


def test_prompt_at_the_bound_goes_to_the_model_and_one_character_more_is_413(shim, fake):
    # TinyLlama: 1536 input tokens x at most 16 characters per token
    fits = "a" * (1536 * 16)
    status, out = shim.call("/invoke", {"prompt": fits})
    # not certainly too long: the model decides (the fake's tokenizer finds it too long)
    assert len(fake.requests) == 1
    assert (status, out["error"]["code"], out["error"]["param"]) == (413, "prompt_too_long", "prompt")
    assert out["error"]["message"].startswith("prompt: Input validation error: `inputs` must have less than 1536 tokens")
    status, out = shim.call("/invoke", {"prompt": fits + "a"})
    assert (status, out["error"]["code"], out["error"]["param"]) == (413, "prompt_too_long", "prompt")
    assert_error_shape(out, 413)
    assert out["error"]["message"] == "prompt: expected at most 1536 tokens, got 24577 characters: at least 1537 tokens"
    assert len(fake.requests) == 1


def test_multibyte_prompt_counts_characters(shim, fake):
    # 500 two-byte characters were refused when the shim counted bytes; they are ~500 tokens at most
    status, out = shim.call("/v1/chat/completions", {"messages": [{"role": "user", "content": "é" * 500}]})
    assert status == 200, out
    status, out = shim.call("/v1/chat/completions", {"messages": [{"role": "user", "content": "é" * 30000}]})
    assert (status, out["error"]["code"], out["error"]["param"]) == (413, "prompt_too_long", "messages")
    assert out["error"]["message"].startswith("messages: expected at most 1536 tokens")
    assert len(fake.requests) == 1


def test_a_model_without_a_known_bound_lets_the_model_decide(shim, fake, stack_env):
    stack_env.setenv("MODEL_ID", "someone/unknown-tokenizer-1B")
    status, out = shim.call("/invoke", {"prompt": "x" * 100000})
    assert (status, out["error"]["code"]) == (413, "prompt_too_long")
    assert "`inputs` must have less than 1536 tokens" in out["error"]["message"]
    assert len(fake.requests) == 1 and shim.logs[-1]["prompt_tokens_min"] == 0


def test_caps_follow_the_stack(shim, fake, stack_env):
    stack_env.setenv("MAX_INPUT_TOKENS", "100")
    stack_env.setenv("MAX_TOTAL_TOKENS", "150")
    status, out = shim.call("/invoke", {"prompt": "x", "parameters": {"max_new_tokens": 51}})
    assert (status, out["error"]["message"]) == (400, "parameters.max_new_tokens: expected an integer in [1, 50]")
    assert shim.call("/invoke", {"prompt": "x"})[0] == 200
    assert sent(fake)["parameters"]["max_new_tokens"] == 50
    assert shim.call("/invoke", {"prompt": "x" * 1600})[0] == 200
    assert shim.call("/invoke", {"prompt": "x" * 1601})[0] == 413
    assert len(fake.requests) == 2
