"""The openai backend, driven through the official client against a scripted server on 127.0.0.1."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest

from charter.backends import (
    Backend,
    BackendConfig,
    BackendError,
    BackendTimeout,
    BackendUnavailable,
    ChatMessage,
    Generation,
    create_backend,
)
from charter.backends.openai_api import OpenAIBackend
from scripted_api import (
    Answer,
    DropMidStream,
    EndsEarly,
    Hang,
    Malformed,
    NoText,
    Reply,
    ScriptedAPI,
    Status,
    StreamErrorEvent,
    ToolCalls,
    pieces,
    scripted_api,
    unused_port,
)

PROMPT = [
    ChatMessage(role="system", content="You are a terse assistant."),
    ChatMessage(role="user", content="Name a prime."),
    ChatMessage(role="assistant", content="Seven."),
    ChatMessage(role="user", content="Another?"),
]
TEXT = "Eleven is prime, and so is thirteen."
# A server that answers gets a generous timeout, so a busy machine never turns an answer into a timeout;
# only the cases that script a hang wait for the short one.
QUICK = Generation(max_tokens=64, temperature=0.2, timeout_s=30.0)
HANG = QUICK.model_copy(update={"timeout_s": 0.5})


def patience(reply: object) -> Generation:
    """The short timeout for a scripted hang, the generous one otherwise."""
    return HANG if isinstance(reply, Hang) else QUICK


@pytest.fixture
def api() -> Iterator[ScriptedAPI]:
    with scripted_api(default=Answer(TEXT)) as server:
        yield server


@pytest.fixture
def backend(api: ScriptedAPI) -> Iterator[OpenAIBackend]:
    built = create_backend(BackendConfig(name="local-vllm", kind="openai", model="qwen-test",
                                         base_url=api.openai_base_url, timeout_s=5))
    assert isinstance(built, OpenAIBackend)
    yield built
    built.close()


def config(**fields: object) -> BackendConfig:
    values: dict[str, object] = {"name": "gpt", "kind": "openai", "model": "gpt-test", **fields}
    return BackendConfig.model_validate(values)


# --- answers and what was sent ------------------------------------------------------------------


def test_generate_returns_the_answer_and_sends_the_prompt_and_knobs(api: ScriptedAPI,
                                                                     backend: OpenAIBackend) -> None:
    assert isinstance(backend, Backend)
    assert backend.generate(PROMPT, QUICK) == TEXT

    sent = api.last
    assert sent.path == "/v1/chat/completions"
    assert sent.body["model"] == "qwen-test"
    assert sent.body["messages"] == [m.model_dump() for m in PROMPT]
    assert sent.body["max_tokens"] == 64
    assert "max_completion_tokens" not in sent.body  # several compatible servers reject it
    assert sent.body["temperature"] == 0.2
    assert "seed" not in sent.body  # not set, so not sent (some servers reject a null seed)
    assert sent.body.get("stream") in (None, False)


def test_seed_is_sent_when_set(api: ScriptedAPI, backend: OpenAIBackend) -> None:
    backend.generate(PROMPT, Generation(seed=1234))
    assert api.last.body["seed"] == 1234


def test_stream_yields_the_pieces_in_order_and_they_join_to_the_answer(api: ScriptedAPI,
                                                                        backend: OpenAIBackend) -> None:
    got = list(backend.stream(PROMPT, QUICK))
    assert got == pieces(TEXT)  # the role-only opening chunk and the empty closing one add nothing
    assert "".join(got) == TEXT
    assert api.last.body["stream"] is True
    assert api.last.body["max_tokens"] == 64


def test_stream_sends_nothing_until_it_is_read(api: ScriptedAPI, backend: OpenAIBackend) -> None:
    pending = backend.stream(PROMPT, QUICK)
    assert api.requests == []
    assert next(pending) == pieces(TEXT)[0]
    assert len(api.requests) == 1
    pending.close()


def test_a_reader_may_stop_early_and_the_connection_is_released(api: ScriptedAPI, backend: OpenAIBackend) -> None:
    reader = backend.stream(PROMPT, QUICK)
    assert next(reader) == pieces(TEXT)[0]
    reader.close()  # with -W error, an unclosed response or socket would fail the test
    assert backend.generate(PROMPT, QUICK) == TEXT


def test_a_configured_retry_recovers_from_one_server_error(api: ScriptedAPI) -> None:
    retrying = OpenAIBackend(config(base_url=api.openai_base_url, max_retries=1))
    api.script(Status(503, "warming up"))
    assert retrying.generate(PROMPT, QUICK) == TEXT
    assert len(api.requests) == 2
    retrying.close()


# --- keys, model and the SDK --------------------------------------------------------------------


def test_the_key_comes_from_the_named_environment_variable(api: ScriptedAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHARTER_TEST_VLLM_KEY", "sk-from-the-environment")
    keyed = OpenAIBackend(config(base_url=api.openai_base_url, api_key_env="CHARTER_TEST_VLLM_KEY"))
    keyed.generate(PROMPT, QUICK)
    assert api.last.headers["authorization"] == "Bearer sk-from-the-environment"
    keyed.close()


def test_a_local_server_without_a_key_gets_a_placeholder(api: ScriptedAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    keyless = OpenAIBackend(config(base_url=api.openai_base_url))
    assert keyless.generate(PROMPT, QUICK) == TEXT
    assert api.last.headers["authorization"].startswith("Bearer ")
    keyless.close()


@pytest.mark.parametrize(("fields", "variable"), [
    ({}, "OPENAI_API_KEY"),
    ({"api_key_env": "CHARTER_TEST_UNSET_KEY"}, "CHARTER_TEST_UNSET_KEY"),
    ({"api_key_env": "CHARTER_TEST_UNSET_KEY", "base_url": "http://127.0.0.1:9/v1"}, "CHARTER_TEST_UNSET_KEY"),
], ids=["real-provider-default-variable", "real-provider-named-variable", "named-variable-wins-over-base-url"])
def test_a_missing_key_is_unavailable_and_names_the_variable(fields: dict[str, object], variable: str,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("CHARTER_TEST_UNSET_KEY", raising=False)
    with pytest.raises(BackendUnavailable, match=variable) as caught:
        create_backend(config(**fields))
    assert "'gpt'" in str(caught.value)


def test_a_missing_model_is_unavailable_and_says_what_to_set() -> None:
    with pytest.raises(BackendUnavailable, match="set `model`") as caught:
        create_backend(BackendConfig(name="gpt", kind="openai", base_url="http://127.0.0.1:9/v1"))
    assert "'gpt'" in str(caught.value)


@pytest.mark.parametrize("url", ["localhost:8000/v1", "127.0.0.1:11434/v1", "ftp://models.example/v1"],
                         ids=["host-without-scheme", "address-without-scheme", "wrong-scheme"])
def test_a_base_url_without_an_http_scheme_is_refused_before_any_request(url: str) -> None:
    with pytest.raises(BackendUnavailable, match="must start with http:// or https://") as caught:
        create_backend(config(base_url=url))
    assert repr(url) in str(caught.value)


def test_a_missing_sdk_gives_the_install_line(monkeypatch: pytest.MonkeyPatch) -> None:
    # The only way to make an installed package unimportable for one test.
    monkeypatch.setitem(sys.modules, "openai", None)
    with pytest.raises(BackendUnavailable, match=r"pip install 'charter\[openai\]'"):
        create_backend(config(base_url="http://127.0.0.1:9/v1"))


def test_the_key_never_appears_in_an_error(api: ScriptedAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "sk-test-very-secret-0123456789"
    monkeypatch.setenv("CHARTER_TEST_VLLM_KEY", secret)
    keyed = OpenAIBackend(config(base_url=api.openai_base_url, api_key_env="CHARTER_TEST_VLLM_KEY"))
    api.script(Status(401, f"Incorrect API key provided: {secret}"))
    with pytest.raises(BackendError) as caught:
        keyed.generate(PROMPT, QUICK)
    assert secret not in str(caught.value)
    assert "HTTP 401" in str(caught.value)
    assert "[redacted]" in str(caught.value)
    keyed.close()


# --- faults ------------------------------------------------------------------------------------

FAULTS = [
    pytest.param(Status(500, "the GPU caught fire"), BackendError, ["HTTP 500", "the GPU caught fire"], id="http-500"),
    pytest.param(Status(401, "Incorrect API key provided"), BackendError, ["HTTP 401", "Incorrect API key"],
                 id="http-401"),
    pytest.param(Hang(seconds=5), BackendTimeout, ["within 0.5 s"], id="hang-past-timeout"),
    pytest.param(Malformed(), BackendError, ["malformed JSON"], id="malformed-json"),
    pytest.param(NoText(), BackendError, ["without text"], id="no-text"),
]


@pytest.mark.parametrize("mode", ["generate", "stream"])
@pytest.mark.parametrize(("reply", "error", "says"), FAULTS)
def test_every_fault_becomes_a_charter_error_naming_backend_and_url(
        api: ScriptedAPI, backend: OpenAIBackend, mode: str, reply: Reply, error: type[BackendError],
        says: list[str]) -> None:
    api.script(reply)
    with pytest.raises(BackendError) as caught:
        if mode == "generate":
            backend.generate(PROMPT, patience(reply))
        else:
            list(backend.stream(PROMPT, patience(reply)))
    assert type(caught.value) is error  # a timeout is a BackendTimeout, nothing else is
    message = str(caught.value)
    assert "backend 'local-vllm'" in message
    assert f"{api.openai_base_url}/chat/completions" in message
    for fragment in says:
        assert fragment in message


MID_STREAM = [
    pytest.param(DropMidStream(after=2, text=TEXT), 2, BackendError, "broke off mid-stream", id="connection-drops"),
    pytest.param(StreamErrorEvent(after=1, message="Overloaded", text=TEXT), 1, BackendError,
                 "error mid-stream: Overloaded", id="error-event"),
    pytest.param(Hang(seconds=5, after=3, text=TEXT), 3, BackendTimeout, "mid-stream", id="stalls"),
    pytest.param(EndsEarly(after=2, text=TEXT), 2, BackendError, "ended before the model finished",
                 id="ends-without-finish"),
]


@pytest.mark.parametrize(("reply", "delivered", "error", "says"), MID_STREAM)
def test_a_fault_mid_stream_is_raised_from_the_iterator_after_the_pieces_already_sent(
        api: ScriptedAPI, backend: OpenAIBackend, reply: Reply, delivered: int, error: type[BackendError],
        says: str) -> None:
    api.script(reply)
    received: list[str] = []
    with pytest.raises(BackendError) as caught:
        for piece in backend.stream(PROMPT, patience(reply)):
            received.append(piece)
    assert received == pieces(TEXT)[:delivered]
    assert type(caught.value) is error
    assert says in str(caught.value)
    assert "backend 'local-vllm'" in str(caught.value)


@pytest.mark.parametrize("mode", ["generate", "stream"])
def test_an_unreachable_server_is_an_error_naming_the_url(mode: str) -> None:
    url = f"http://127.0.0.1:{unused_port()}/v1"
    unreachable = OpenAIBackend(config(base_url=url))
    with pytest.raises(BackendError, match="could not connect") as caught:
        if mode == "generate":
            unreachable.generate(PROMPT, QUICK)
        else:
            list(unreachable.stream(PROMPT, QUICK))
    assert type(caught.value) is BackendError
    assert f"{url}/chat/completions" in str(caught.value)
    unreachable.close()


def test_a_truncated_json_answer_is_an_error_not_a_partial_text(api: ScriptedAPI, backend: OpenAIBackend) -> None:
    api.script(DropMidStream(text=TEXT))
    with pytest.raises(BackendError, match="before a whole answer arrived"):
        backend.generate(PROMPT, QUICK)


def test_call_offers_the_tools_and_returns_the_proposed_calls(api: ScriptedAPI, backend: OpenAIBackend) -> None:
    tools = ({"type": "function", "function": {"name": "send_money", "parameters": {"type": "object"}}},)
    api.script(ToolCalls((("call_1", "send_money", '{"recipient": "DE89", "amount": 5}'),)), Answer(TEXT))
    reply = backend.call(PROMPT, Generation(max_tokens=64, temperature=0.2, tools=tools))
    assert [(c.id, c.name, c.arguments) for c in reply.tool_calls] == [
        ("call_1", "send_money", '{"recipient": "DE89", "amount": 5}')]
    assert api.last.body["tools"][0]["function"]["name"] == "send_money"
    text_only = backend.call(PROMPT, Generation(max_tokens=64, temperature=0.2, tools=tools))
    assert text_only.text == TEXT and text_only.tool_calls == []
